// Package center serves the Partner Center and admin console: a small web
// app (no build step, no framework) embedded in the function's binary and
// served under /center/ with a strict Content-Security-Policy. The app
// calls the same JSON API as every other client, with the caller's JWT,
// which never leaves the browser's memory.
package center
