package program

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Loader reads the saved settings: false while none were saved.
type Loader interface {
	Program(ctx context.Context) (Settings, bool, error)
}

// Cache keeps the settings in force for a function, so the billing path
// reads them once per TTL rather than once per payment. A write made
// under the cached version carries that version and is refused if an
// admin saved another meanwhile; the writer then calls Forget and
// decides again. It is safe for concurrent use.
type Cache struct {
	Load Loader
	// Defaults is version 1, from the configuration, in force until an
	// admin saves another.
	Defaults Settings
	// TTL bounds how long a change made elsewhere takes to be seen by a
	// function that writes nothing (default one minute).
	TTL time.Duration
	Now func() time.Time

	mu   sync.Mutex
	cur  Settings
	at   time.Time
	have bool
}

// Current returns the settings in force, read again when the cached copy
// is older than the TTL.
func (c *Cache) Current(ctx context.Context) (Settings, error) {
	now := c.now()
	c.mu.Lock()
	if c.have && now.Sub(c.at) < c.ttl() {
		s := c.cur
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()
	s, ok, err := c.Load.Program(ctx)
	if err != nil {
		return Settings{}, err
	}
	if !ok {
		s = c.Defaults
	}
	c.mu.Lock()
	c.cur, c.at, c.have = s, now, true
	c.mu.Unlock()
	return s, nil
}

// Forget drops the cached copy: the next Current reads the store.
func (c *Cache) Forget() {
	c.mu.Lock()
	c.have = false
	c.mu.Unlock()
}

func (c *Cache) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return time.Minute
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// VersionLoader reads one kept version of the settings.
type VersionLoader interface {
	ProgramVersion(ctx context.Context, version int) (Settings, bool, error)
}

// Version returns the settings of one version: a payment recorded before
// its customer signed up is decided later under the version in force when
// it was recorded. Version 1 (or 0, recorded before versions were kept) is
// the configuration's; a version the store does not have is an error.
func (c *Cache) Version(ctx context.Context, v int) (Settings, error) {
	if v <= 1 {
		return c.Defaults, nil
	}
	cur, err := c.Current(ctx)
	if err != nil || cur.Version == v {
		return cur, err
	}
	vl, ok := c.Load.(VersionLoader)
	if !ok {
		return Settings{}, fmt.Errorf("program: version %d is not kept", v)
	}
	s, found, err := vl.ProgramVersion(ctx, v)
	if err != nil {
		return Settings{}, err
	}
	if !found {
		return Settings{}, fmt.Errorf("program: version %d is not kept", v)
	}
	return s, nil
}
