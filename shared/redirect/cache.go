package redirect

import (
	"sync"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/partner"
)

// Cache lifetimes: a code's owner changes only on suspension, so a minute
// of staleness is fine; unknown codes are kept briefly, so a link shared
// just before its partner enrolled starts working soon.
const (
	CodeTTL        = 60 * time.Second
	UnknownCodeTTL = 10 * time.Second
	maxCachedCodes = 50000
)

type cacheEntry struct {
	owner partner.CodeOwner // zero for a code nobody owns
	route dynamo.LinkRoute  // of code/slug entries; zero for a slug the code lacks
	until time.Time
}

// codeCache keeps code lookups, and code/slug lookups of promo links, in
// the warm function, so a popular link reads DynamoDB about once a minute
// per instance.
type codeCache struct {
	ttl        time.Duration
	unknownTTL time.Duration
	mu         sync.RWMutex
	m          map[string]cacheEntry
}

func newCodeCache(ttl time.Duration) *codeCache {
	return &codeCache{ttl: ttl, unknownTTL: min(ttl, UnknownCodeTTL), m: make(map[string]cacheEntry)}
}

func (c *codeCache) get(code string, now time.Time) (cacheEntry, bool) {
	c.mu.RLock()
	e, ok := c.m[code]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return cacheEntry{}, false
	}
	return e, true
}

func (c *codeCache) put(code string, owner partner.CodeOwner, route dynamo.LinkRoute, now time.Time) {
	ttl := c.ttl
	if owner.PartnerID == "" {
		ttl = c.unknownTTL
	}
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedCodes {
		// A scan of random codes must not grow the map without bound.
		c.m = make(map[string]cacheEntry)
	}
	c.m[code] = cacheEntry{owner: owner, route: route, until: now.Add(ttl)}
	c.mu.Unlock()
}
