// Package localdynamo runs an in-memory, DynamoDB-compatible server in the
// same process, for the local stack and tests. It speaks DynamoDB's wire
// protocol, so the store's AWS SDK code runs against it unchanged.
package localdynamo
