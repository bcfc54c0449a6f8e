package push

import (
	"sync"

	"github.com/makechat/makechat/storage"
)

// viewing remembers, per user and stream, which conversation the stream's
// browser shows and whether its page is visible: a user is not notified
// of a conversation that one of its browsers shows in a visible page.
type viewing struct {
	mu    sync.Mutex
	users map[storage.ID]map[uint64]view
}

type view struct {
	key     string
	visible bool
}

// Viewing records what stream (one of user's) shows; key is a
// ConversationKey ("" for none).
func (p *Pusher) Viewing(user storage.ID, stream uint64, key string, visible bool) {
	v := &p.viewing
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.users == nil {
		v.users = map[storage.ID]map[uint64]view{}
	}
	if v.users[user] == nil {
		v.users[user] = map[uint64]view{}
	}
	v.users[user][stream] = view{key, visible}
}

// Closed forgets a stream that ended.
func (p *Pusher) Closed(user storage.ID, stream uint64) {
	v := &p.viewing
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.users[user], stream)
	if len(v.users[user]) == 0 {
		delete(v.users, user)
	}
}

func (v *viewing) visible(user storage.ID, key string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, s := range v.users[user] {
		if s.visible && s.key == key {
			return true
		}
	}
	return false
}

// Shows reports whether one of user's browsers shows the conversation
// key in a visible page.
func (p *Pusher) Shows(user storage.ID, key string) bool { return p.viewing.visible(user, key) }
