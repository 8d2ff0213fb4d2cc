// Package awsconf builds the AWS SDK configuration and clients from
// partnerkit's configuration: the same code in Lambda and on the local
// stack, where endpoints point at local servers.
package awsconf
