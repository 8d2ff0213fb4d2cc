// Package samtemplate reads partnerkit's template.yaml, the single source of
// truth for HTTP routes, functions and the table schema, so the local stack
// and the tests serve and create exactly what AWS would.
package samtemplate
