// Package hooks holds what an outbound webhook endpoint is and the rules
// its deliveries follow: which URLs an admin may register (https, never
// an address inside the network once resolved), which events it takes,
// its whsec_ secrets and their rotation, how each delivery is signed
// (Standard Webhooks, with the official library) and when a failed
// delivery is tried again, given up, or its endpoint disabled.
//
// It is pure but for name resolution, which callers inject; the store
// keeps endpoints and deliveries, package delivery sends them.
package hooks
