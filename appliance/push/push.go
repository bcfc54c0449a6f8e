// Package push sends Web Push notifications of new messages straight to
// each browser's push service (RFC 8030, encrypted per RFC 8291 and
// signed with the server's VAPID key per RFC 8292, by appliance/webpush):
// no vendor relay, no account anywhere.
//
// For every new message the Pusher asks the chat service whom to notify
// (chat.Service.NotifyTargets: levels, mutes, mentions, followed threads),
// leaves out users who have that conversation open and visible in some
// browser (the streams tell it, see Viewing), and sends one push to each
// of the others' subscriptions, grouped per conversation (the Topic
// header and the notification's tag). A subscription the push service
// says is gone (404, 410) is deleted. Sends go through the egress policy,
// so a subscription cannot make the server call inside its network.
//
// Pushes are best effort and live in memory: a burst past the queue, or
// the server stopping, drops what was not sent (counted, and logged once
// per burst). The messages themselves are stored before any of this.
package push

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/webpush"
	"github.com/makechat/makechat/storage"
)

// Chat is what the Pusher needs of the chat service.
type Chat interface {
	NotifyTargets(ctx context.Context, m storage.Message) ([]chat.Target, error)
}

// Sender sends one push (webpush.Sender does).
type Sender interface {
	Send(ctx context.Context, sub webpush.Subscription, msg webpush.Message) error
}

// Options tune a Pusher; zero values take the defaults.
type Options struct {
	Workers int           // sends at once (32)
	Queue   int           // messages and sends waiting (10,000)
	TTL     time.Duration // how long a push service keeps an undelivered push (24 h)
	Timeout time.Duration // one send (10 s)
}

// Pusher fans messages out to push subscriptions.
type Pusher struct {
	store   storage.Store
	chat    Chat
	sender  Sender
	log     zerolog.Logger
	opts    Options
	jobs    chan func(context.Context)
	viewing viewing
	dropped atomic.Int64
	sent    atomic.Int64
	fanOuts atomic.Int64
	// anyUntil is when the answer of AnyPushSubscription, kept in any,
	// is to be asked again (Unix nanoseconds); Subscribed sets any.
	any      atomic.Bool
	anyUntil atomic.Int64
	stop     context.CancelFunc
	ctx      context.Context
	wg       sync.WaitGroup
}

// New returns a Pusher; Start runs it.
func New(st storage.Store, c Chat, s Sender, log zerolog.Logger, o Options) *Pusher {
	if o.Workers <= 0 {
		o.Workers = 32
	}
	if o.Queue <= 0 {
		o.Queue = 10_000
	}
	if o.TTL <= 0 {
		o.TTL = 24 * time.Hour
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Pusher{store: st, chat: c, sender: s, log: log, opts: o, jobs: make(chan func(context.Context), o.Queue), ctx: ctx, stop: stop}
}

// Start starts the workers.
func (p *Pusher) Start() {
	for range p.opts.Workers {
		p.wg.Go(func() {
			for {
				select {
				case <-p.ctx.Done():
					return
				case job := <-p.jobs:
					job(p.ctx)
				}
			}
		})
	}
}

// Close stops the workers; what is queued is dropped.
func (p *Pusher) Close() {
	p.stop()
	p.wg.Wait()
}

// anyRecheck is how long the answer "no subscription at all" is kept.
const anyRecheck = 30 * time.Second

// anySubscription reports whether any browser subscribed, asking the
// store at most every anyRecheck while none has.
func (p *Pusher) anySubscription(ctx context.Context) bool {
	if p.any.Load() {
		return true
	}
	now := time.Now().UnixNano()
	if now < p.anyUntil.Load() {
		return false
	}
	found, err := p.store.AnyPushSubscription(ctx)
	if err != nil {
		return true // ask on: the send will tell
	}
	p.any.Store(found)
	p.anyUntil.Store(now + int64(anyRecheck))
	return found
}

// Subscribed tells the Pusher a browser subscribed.
func (p *Pusher) Subscribed() { p.any.Store(true) }

// Stats says how many messages were fanned out, and how many pushes were
// sent and dropped, so far.
func (p *Pusher) Stats() (fanOuts, sent, dropped int64) {
	return p.fanOuts.Load(), p.sent.Load(), p.dropped.Load()
}

// enqueue queues job, or drops it when the queue is full.
func (p *Pusher) enqueue(job func(context.Context)) {
	select {
	case p.jobs <- job:
	default:
		if p.dropped.Add(1)%1000 == 1 {
			p.log.Warn().Msg("push queue full: notifications dropped")
		}
	}
}

// Message queues the notifications of a new message.
func (p *Pusher) Message(m storage.Message) {
	p.enqueue(func(ctx context.Context) { p.fanOut(ctx, m) })
}

func (p *Pusher) fanOut(ctx context.Context, m storage.Message) {
	defer p.fanOuts.Add(1)
	if !p.anySubscription(ctx) {
		return // a server where no browser subscribed pays nothing
	}
	targets, err := p.chat.NotifyTargets(ctx, m)
	if err != nil {
		p.log.Warn().Err(err).Str("message", m.ID.Hex()).Msg("push: whom to notify")
		return
	}
	if len(targets) == 0 {
		return
	}
	sender := p.senderName(ctx, m)
	for _, t := range targets {
		key := ConversationKey(m, t.User)
		if p.viewing.visible(t.User, key) {
			continue
		}
		subs, err := p.store.PushSubscriptions(ctx, t.User)
		if err != nil {
			p.log.Warn().Err(err).Msg("push: subscriptions")
			continue
		}
		if len(subs) == 0 {
			continue
		}
		payload := Payload(m, sender, p.conversationName(ctx, m, t.User, sender), key, t.Reason)
		msg := webpush.Message{Payload: payload, TTL: p.opts.TTL, Topic: webpush.TopicOf(key), Urgency: webpush.UrgencyHigh}
		if t.Reason == chat.ReasonAll || t.Reason == chat.ReasonThread {
			msg.Urgency = webpush.UrgencyNormal
		}
		for _, sub := range subs {
			p.enqueue(func(ctx context.Context) { p.send(ctx, sub, msg) })
		}
	}
}

func (p *Pusher) send(ctx context.Context, sub storage.PushSubscription, msg webpush.Message) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	err := p.sender.Send(ctx, webpush.Subscription{Endpoint: sub.Endpoint, Keys: webpush.SubscriptionKeys{P256dh: sub.P256dh, Auth: sub.Auth}}, msg)
	switch {
	case err == nil:
		p.sent.Add(1)
	case errors.Is(err, webpush.ErrGone), errors.Is(err, webpush.ErrBadSubscription):
		if derr := p.store.DeletePushSubscription(context.WithoutCancel(ctx), sub.ID); derr != nil && !errors.Is(derr, storage.ErrNotFound) {
			p.log.Warn().Err(derr).Msg("push: dropping a gone subscription")
		}
	default:
		p.log.Debug().Err(err).Str("user", sub.User.Hex()).Msg("push: send failed")
	}
}

// ConversationKey names m's conversation as user sees it: "r<room>" for
// a room or group, "d<the other user>" for a direct conversation; the
// streams report what they show by the same keys (see Viewing).
func ConversationKey(m storage.Message, user storage.ID) string {
	if !m.Room.IsZero() {
		return "r" + m.Room.Hex()
	}
	other := m.Sender
	if other == user {
		other = m.Recipient
	}
	return "d" + other.Hex()
}

// maxBody is how much of a message's text a notification carries.
const maxBody = 240

// Payload is the JSON a browser's service worker receives: a title (the
// conversation), a body (the sender and the start of the text), the tag
// that groups a conversation's notifications, the conversation and
// message to open, and why it was sent.
func Payload(m storage.Message, sender, conversation, key, reason string) []byte {
	text := strings.Join(strings.Fields(m.Text), " ")
	if text == "" && len(m.Files) > 0 {
		text = "sent a file"
	}
	if utf8.RuneCountInString(text) > maxBody {
		text = string([]rune(text)[:maxBody-1]) + "…"
	}
	body := sender + ": " + text
	if strings.HasPrefix(key, "d") {
		body = text
	}
	data, _ := json.Marshal(map[string]string{
		"title": conversation, "body": body, "tag": key, "conversation": key,
		"message": m.ID.Hex(), "thread": optHex(m.Thread), "reason": reason,
	})
	return data
}

func optHex(id storage.ID) string {
	if id.IsZero() {
		return ""
	}
	return id.Hex()
}
