package dynamo

import (
	"fmt"
	"hash/fnv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/payments"
)

// The table's keys, in one place, so a key is spelled once; doc.go
// lists what each item holds.

func statementsPK(period string, shard int) string { return "STMTS#" + period + "#" + shardText(shard) }

func statementKey(period, currency, partnerID string) map[string]types.AttributeValue {
	return key(statementsPK(period, PartnerShard(partnerID)), partnerID+"#"+currency)
}

func paymentKey(id string) map[string]types.AttributeValue { return key("PAYMENT#"+id, "PAYMENT") }

func refundKey(id string) map[string]types.AttributeValue { return key("REFUND#"+id, "REFUND") }

// PendingShards spreads payments awaiting attribution over partitions.
const PendingShards = 8

func pendingPK(period, paymentID string) string {
	h := fnv.New32a()
	h.Write([]byte(paymentID))
	return "PENDING#" + period + "#" + shardText(int(h.Sum32()%PendingShards))
}

func heldSK(r payments.Refund) string { return fmt.Sprintf("%013d#%s", r.ArrivedAt, r.ID) }

func statsKey(partnerID string) map[string]types.AttributeValue {
	return key("PARTNER#"+partnerID, "STATS")
}

func suppressKey(emailHash string) map[string]types.AttributeValue {
	return key("SUPPRESS#"+emailHash, "SUPPRESS")
}

func quotaKey(partnerID, day string) map[string]types.AttributeValue {
	return key("INVITES#"+partnerID+"#"+day, "QUOTA")
}

func linesPK(period string, shard int) string { return "LINES#" + period + "#" + shardText(shard) }

var ledgerKey = key("LEDGER", "LEDGER")

func partnerPK(id string) string { return "PARTNER#" + id }

func partnerKey(id string) map[string]types.AttributeValue { return key("PARTNER#"+id, "PROFILE") }

func partnersByStatusPK(status string) string { return "PARTNERS#" + status }

func emailPK(email string) string { return "PEMAIL#" + email }

func inviteKey(emailHash string) map[string]types.AttributeValue {
	return key("INVITE#"+emailHash, "TOUCH")
}

func customerKey(id string) map[string]types.AttributeValue {
	return key("CUSTOMER#"+id, "ATTRIBUTION")
}

func customersPK(partnerID string) string { return "PARTNER#" + partnerID + "#CUSTOMERS" }

func webhookKey(endpoint, id string) map[string]types.AttributeValue {
	return key("WEBHOOK#"+endpoint+"#"+id, "WEBHOOK")
}

const (
	programPK        = "PROGRAM"
	programCurrentSK = "CURRENT"
)

func programVersionSK(v int) string { return fmt.Sprintf("V#%06d", v) }
