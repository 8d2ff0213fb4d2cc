// Package dynamo is partnerkit's store: every read and write of the single
// DynamoDB table, through the AWS SDK, against DynamoDB in AWS, DynamoDB
// Local in tests and the embedded server of the local stack alike.
//
// Keys (pk, sk):
//
//	PARTNER#<id>        PROFILE   partner profile (gsi1: PARTNERS#<status>)
//	CODE#<code>         CODE      referral code → partner (hot path; gsi1: CODES)
//	SUB#<sub>           SUB       JWT subject → partner (gsi1: PARTNERS)
//	PEMAIL#<email>      <created>#<id>  a partner enrolled with that email
//	CLICKS#<id>#<n>     CLICKS    click counter shard n of ClickShards, with daily counts:
//	                              the code itself (the default link)
//	LCLICKS#<id>#<l>#<n> CLICKS   a promo link's clicks, shard n of LinkShards
//	UNIQUE#<id>#<l>#<n> UNIQUE    returning visitors' unique clicks on link l
//	PARTNER#<id>        LINK#<l>  a promo link
//	CODE#<code>         LINK#<slug>  a promo link's slug → link (hot path)
//	PARTNER#<id>        CONV#<day>#<l>  a link's signups, customers, earned that day
//	PARTNER#<id>        SIDCONV#<day>#<sid>  the same for a sub-id
//	VISITOR#<vid>       TOUCH     a visitor's first touch, with its link and sub-id and
//	                              when it last clicked each link unique (expires)
//	INVITE#<hash>       TOUCH     an address's first invite (its invite touch)
//	SUPPRESS#<hash>     SUPPRESS  an address unsubscribed from invites
//	INVITES#<id>#<day>  QUOTA     invites a partner counted on a UTC day (expires)
//	WEBHOOK#<ep>#<id>   WEBHOOK   a webhook delivery's first response (expires)
//	CUSTOMER#<id>       ATTRIBUTION  a customer's attribution and its evidence
//	PARTNER#<id>        STATS     a partner's signup counter with daily counts, paid
//	                              totals, its link ids and link counts, and how many
//	                              of its customers ever paid
//	PARTNER#<id>        NOTIFY    the partner's lifecycle email preferences
//	NOTIFIED#<mark>     NOTIFIED  a lifecycle email sent (or being sent) once (expires)
//	PARTNER#<id>        PENDING#<p>  the partner's lines in bucket p, per currency
//	PARTNER#<id>        PAYDAY#<day>  customers whose last payment was that day
//	PAYMENT#<id>        PAYMENT   a payment, its commission and refunds so far
//	REFUND#<id>         REFUND    a refund (applied, held or rejected)
//	HELD#<payment>      <arrival>#<refund>  a refund waiting for its payment
//	PENDING#<p>#<n>     <payment> a payment of period p awaiting attribution
//	LINES#<p>#<n>       <partner>#<line>  ledger line in the statements of p
//	PERIOD#<p>          PERIOD    closing/closed, and what closing produced
//	LEDGER              LEDGER    the last closed period
//	PROGRAM             CURRENT   the program settings in force (absent: version 1)
//	PROGRAM             V#<n>     every saved version, with who saved it and when
//	PROGRAM#<n>         DAY#<day>  the program's and its partners' numbers that day, shard n
//	ACCRUAL#<p>         SHARD#<n> shard n of period p is closed
//	STMTS#<p>#<n>       <partner>#<cur>  a statement; those that carry are the
//	                              balances p carried forward
//	OUTBOX#<evt>        OUTBOX    events written with the change that made them, until
//	                              dispatched (gsi1: OUTBOX#<n>; outbox.go); a closed
//	                              shard's item names its statements instead
//	HOOK#<ep>           ENDPOINT  a webhook endpoint (gsi1: HOOKS)
//	DELIVERY#<ep>#<evt> DELIVERY  an event's delivery to an endpoint (gsi1: HOOKLOG#<ep>)
//	HOOKQ#<ep>#<queue>  <created>#<evt>, ~HEAD  a partner's deliveries waiting, in
//	                              order, and the queue's next attempt (gsi1: HOOKDUE#<n>)
//
// Ledger shards are the partner's shard (PartnerShard), so one shard holds
// all of a partner's lines and statements of a period. Attributed
// customers are listed per partner on gsi1 (PARTNER#<id>#CUSTOMERS), by
// the time they were attributed; partners newest first on gsi1 (PARTNERS,
// PARTNERS#<status>), codes in code order (CODES).
//
// First-writer-wins records are conditional writes; counters that one
// popular partner could make hot are spread over several partitions.
package dynamo
