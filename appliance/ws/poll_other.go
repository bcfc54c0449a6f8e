//go:build !linux

package ws

import "errors"

// poller is Linux's; elsewhere a goroutine per connection reads.
type poller struct{}

func newPoller() *poller { return nil }

func (c *Conn) watch()         { go c.readLoop() }
func (c *Conn) rearmLocked()   {}
func (c *Conn) unwatchLocked() {}

var errWouldBlock = errors.New("nothing to read")

func (c *Conn) readNow(buf []byte) (int, error) { return c.nc.Read(buf) }
