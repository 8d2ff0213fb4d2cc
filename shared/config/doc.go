// Package config reads partnerkit's configuration from the environment
// (contract section 7). In AWS every secret must be set; the local stack
// fills safe, printed defaults instead.
package config
