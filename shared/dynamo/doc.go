// Package dynamo is partnerkit's store: every read and write of the single
// DynamoDB table, through the AWS SDK, against DynamoDB in AWS, DynamoDB
// Local in tests and the embedded server of the local stack alike.
//
// Keys (pk, sk):
//
//	PARTNER#<id>        PROFILE   partner profile
//	CODE#<code>         CODE      referral code → partner (hot path)
//	SUB#<sub>           SUB       JWT subject → partner
//	CLICKS#<id>#<n>     CLICKS    click counter shard n of ClickShards
//	VISITOR#<vid>       TOUCH     a visitor's first touch (expires)
//
// First-writer-wins records are conditional writes; counters that one
// popular partner could make hot are spread over several partitions.
package dynamo
