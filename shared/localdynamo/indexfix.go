package localdynamo

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
)

// indexKeySet matches "<index key attribute> = :<value>" in an update's
// SET clause: the table's index keys are gsi<n>pk and gsi<n>sk.
var indexKeySet = regexp.MustCompile(`\b(gsi[0-9]+(?:pk|sk))\s*=\s*(:[A-Za-z0-9_]+)`)

// indexFix works around the embedded server's index upkeep: an UpdateItem
// (alone or in a transaction) that gives an item its first index keys
// overwrites another item's index entry, so that item drops out of the
// index. An item created by PutItem is indexed correctly, so before such
// an update reaches the server, indexFix creates the item, if it does not
// exist, with its key and the index keys the update sets; the update then
// finds its entry and keeps the others. DynamoDB itself needs none of this.
type indexFix struct{ next http.Handler }

type update struct {
	TableName                 string
	Key                       map[string]json.RawMessage
	UpdateExpression          string
	ExpressionAttributeValues map[string]json.RawMessage
}

func (f indexFix) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	if op != "UpdateItem" && op != "TransactWriteItems" {
		f.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var updates []update
	if op == "UpdateItem" {
		var u update
		if json.Unmarshal(body, &u) == nil {
			updates = append(updates, u)
		}
	} else {
		var tx struct{ TransactItems []struct{ Update *update } }
		if json.Unmarshal(body, &tx) == nil {
			for _, it := range tx.TransactItems {
				if it.Update != nil {
					updates = append(updates, *it.Update)
				}
			}
		}
	}
	for _, u := range updates {
		f.createIndexed(r, u)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.next.ServeHTTP(w, r)
}

// createIndexed puts u's item with the index keys u sets unless it
// exists; a refused condition (it exists) is the expected answer.
func (f indexFix) createIndexed(r *http.Request, u update) {
	item := map[string]json.RawMessage{}
	for _, m := range indexKeySet.FindAllStringSubmatch(u.UpdateExpression, -1) {
		if v, ok := u.ExpressionAttributeValues[m[2]]; ok {
			item[m[1]] = v
		}
	}
	if len(item) == 0 {
		return
	}
	cond := make([]string, 0, len(u.Key))
	for k, v := range u.Key {
		item[k] = v
		cond = append(cond, "attribute_not_exists("+k+")")
	}
	put, err := json.Marshal(map[string]any{"TableName": u.TableName, "Item": item, "ConditionExpression": strings.Join(cond, " AND ")})
	if err != nil {
		return
	}
	req := httptest.NewRequest(http.MethodPost, r.URL.String(), bytes.NewReader(put))
	req.Header = r.Header.Clone()
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
	req.Header.Del("Content-Length")
	req.ContentLength = int64(len(put))
	f.next.ServeHTTP(httptest.NewRecorder(), req)
}
