// Package outgoing delivers a room's new messages to its outgoing
// webhooks: a signed JSON POST to each hook's URL (through the egress
// policy), retried with backoff while the receiver fails, and the
// receiver's answer, if it says something, posted back as the hook (the
// pattern of Campfire's bots and Mattermost's outgoing webhooks).
//
// Start from New, Start and Sender.Message, which the server calls for
// every new message; Deliveries is each hook's recent log for its owners.
//
// Deliveries live in memory: a message whose delivery is still being
// retried when the server stops is not delivered after it starts again
// (the log says how many were left). Messages themselves are never at
// risk: they are stored before they are delivered.
package outgoing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/egress"
	"github.com/makechat/makechat/appliance/slack"
	"github.com/makechat/makechat/storage"
	"github.com/rs/zerolog"
)

// Headers of a delivery: the time it was signed (Unix seconds) and the
// signature, "v0=" and the hex HMAC-SHA256 under the hook's signing
// secret of "v0:<timestamp>:<body>" (Slack's scheme, under makechat's
// names).
const (
	HeaderTimestamp = "X-Makechat-Request-Timestamp"
	HeaderSignature = "X-Makechat-Signature"
)

// DefaultRetries are the waits before each attempt after the first.
var DefaultRetries = []time.Duration{2 * time.Second, 10 * time.Second, time.Minute, 5 * time.Minute}

// logSize is how many deliveries each hook's log keeps.
const logSize = 50

// Chat is what a Sender needs of the domain.
type Chat interface {
	OutgoingHooks(ctx context.Context, m storage.Message) ([]chat.Trigger, error)
	ReplyByHook(ctx context.Context, hook storage.ID, p chat.HookPost) (storage.Message, error)
	RoomName(ctx context.Context, room storage.ID) (string, error)
	UserName(ctx context.Context, user storage.ID) (string, error)
}

// Options tune a Sender.
type Options struct {
	// Retries are the waits before the second and later attempts;
	// nil is DefaultRetries.
	Retries []time.Duration
	// Workers is how many deliveries run at once; 0 is 4.
	Workers int
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Delivery is one message sent to one hook, as its log shows it.
type Delivery struct {
	Message  storage.ID
	Started  time.Time
	Attempts int
	// Status is the receiver's last HTTP status; 0 if it never answered.
	Status int
	// Error says why the last attempt failed; "" if it succeeded.
	Error string
	// State is "pending" (more attempts to come), "delivered" or "failed".
	State string
	// Reply is the message the answer posted, if any.
	Reply storage.ID
}

// Sender delivers messages to outgoing hooks.
type Sender struct {
	chat    Chat
	client  *egress.Client
	log     zerolog.Logger
	opts    Options
	queue   chan *job
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	logs    map[storage.ID][]*Delivery // newest last
	waiting map[*job]*time.Timer
}

// job is one message on its way to one hook.
type job struct {
	hook storage.Hook
	msg  storage.Message
	d    *Delivery
	body []byte
}

// New returns a Sender that queues messages until Start gives it the
// domain to deliver them with (the domain's events feed the Sender, so
// it is made first); Close stops it.
func New(client *egress.Client, log zerolog.Logger, opts Options) *Sender {
	if opts.Retries == nil {
		opts.Retries = DefaultRetries
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Sender{client: client, log: log, opts: opts, queue: make(chan *job, 1024), ctx: ctx, cancel: cancel,
		logs: map[storage.ID][]*Delivery{}, waiting: map[*job]*time.Timer{}}
}

// Start starts delivering, with c to find hooks and post their answers.
func (s *Sender) Start(c Chat) {
	s.chat = c
	for range s.opts.Workers {
		s.wg.Add(1)
		go s.work()
	}
}

// Close stops delivering: attempts under way end, waiting retries are
// dropped and counted in the log.
func (s *Sender) Close() {
	s.cancel()
	s.mu.Lock()
	for j, t := range s.waiting {
		t.Stop()
		j.d.State, j.d.Error = "failed", "the server stopped before it was delivered"
	}
	left := len(s.waiting)
	s.waiting = map[*job]*time.Timer{}
	s.mu.Unlock()
	s.wg.Wait()
	if left > 0 {
		s.log.Warn().Int("deliveries", left).Msg("outgoing webhooks: deliveries still being retried were dropped at shutdown")
	}
}

// Message hands a new message to the hooks it goes to. It never blocks:
// the hooks are looked up and called by the Sender's workers.
func (s *Sender) Message(m storage.Message) {
	if m.Room.IsZero() || !m.Hook.IsZero() {
		return
	}
	s.enqueue(&job{msg: m})
}

func (s *Sender) enqueue(j *job) {
	select {
	case s.queue <- j:
	case <-s.ctx.Done():
	default:
		s.log.Warn().Str("message", j.msg.ID.Hex()).Msg("outgoing webhooks: the queue is full; a delivery was dropped")
		if j.d != nil {
			s.mu.Lock()
			j.d.State, j.d.Error = "failed", "the delivery queue was full"
			s.mu.Unlock()
		}
	}
}

func (s *Sender) work() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case j := <-s.queue:
			if j.d == nil {
				s.fanOut(j.msg)
			} else {
				s.attempt(j)
			}
		}
	}
}

// fanOut finds the hooks a message goes to and makes a delivery of each.
func (s *Sender) fanOut(m storage.Message) {
	triggers, err := s.chat.OutgoingHooks(s.ctx, m)
	if err != nil {
		s.log.Error().Err(err).Str("message", m.ID.Hex()).Msg("outgoing webhooks: cannot read the room's hooks")
		return
	}
	if len(triggers) == 0 {
		return
	}
	p, err := s.payload(m)
	if err != nil {
		s.log.Error().Err(err).Str("message", m.ID.Hex()).Msg("outgoing webhooks: cannot describe the message")
		return
	}
	for _, t := range triggers {
		p.HookID, p.TriggerWord = t.Hook.ID.Hex(), t.Word
		body, err := json.Marshal(p)
		if err != nil {
			continue
		}
		d := &Delivery{Message: m.ID, Started: s.opts.Now(), State: "pending"}
		s.record(t.Hook.ID, d)
		s.attempt(&job{hook: t.Hook, msg: m, d: d, body: body})
	}
}

// Payload is what a receiver gets: Mattermost's outgoing webhook fields
// (a channel is a room, a post a message) and the hook's id.
type Payload struct {
	HookID      string `json:"hook_id"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name"`
	Timestamp   int64  `json:"timestamp"` // milliseconds
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name"`
	PostID      string `json:"post_id"`
	Text        string `json:"text"`
	TriggerWord string `json:"trigger_word"`
}

func (s *Sender) payload(m storage.Message) (Payload, error) {
	room, err := s.chat.RoomName(s.ctx, m.Room)
	if err != nil {
		return Payload{}, err
	}
	user, err := s.chat.UserName(s.ctx, m.Sender)
	if err != nil {
		return Payload{}, err
	}
	return Payload{ChannelID: m.Room.Hex(), ChannelName: room, Timestamp: m.Created.UnixMilli(),
		UserID: m.Sender.Hex(), UserName: user, PostID: m.ID.Hex(), Text: m.Text}, nil
}

// attempt sends a delivery once; a failure worth retrying is tried again
// after the next wait, until the waits run out.
func (s *Sender) attempt(j *job) {
	status, answer, err := s.send(j)
	s.mu.Lock()
	j.d.Attempts++
	j.d.Status = status
	n := j.d.Attempts
	s.mu.Unlock()
	if err == nil {
		reply, rerr := s.reply(j, answer)
		s.mu.Lock()
		j.d.State, j.d.Reply = "delivered", reply
		if rerr != nil {
			j.d.Error = "delivered; its answer was not posted: " + rerr.Error()
		}
		s.mu.Unlock()
		return
	}
	retry := n <= len(s.opts.Retries) && retryable(status) && s.ctx.Err() == nil
	s.mu.Lock()
	j.d.Error = err.Error()
	if !retry {
		j.d.State = "failed"
		s.mu.Unlock()
		s.log.Info().Str("hook", j.hook.ID.Hex()).Int("attempts", n).Err(err).Msg("outgoing webhook: delivery failed")
		return
	}
	wait := s.opts.Retries[n-1]
	s.waiting[j] = time.AfterFunc(wait, func() {
		s.mu.Lock()
		_, ok := s.waiting[j]
		delete(s.waiting, j)
		s.mu.Unlock()
		if ok {
			s.enqueue(j)
		}
	})
	s.mu.Unlock()
}

// retryable: no answer, a server error, or "too many requests".
func retryable(status int) bool {
	return status == 0 || status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// send posts the delivery, signed, and returns the receiver's status
// and, for a 2xx JSON answer, its body.
func (s *Sender) send(j *job) (int, []byte, error) {
	req, err := http.NewRequestWithContext(s.ctx, "POST", j.hook.Outgoing.URL, bytes.NewReader(j.body))
	if err != nil {
		return 0, nil, err
	}
	ts := strconv.FormatInt(s.opts.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "makechat-webhook")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(j.hook.Outgoing.Secret, ts, j.body))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	body, err := s.client.Read(resp)
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, nil, fmt.Errorf("the receiver answered %d", resp.StatusCode)
	}
	if err != nil {
		return resp.StatusCode, nil, nil // delivered; an answer too long to read says nothing
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return resp.StatusCode, nil, nil
	}
	return resp.StatusCode, body, nil
}

// reply posts a receiver's answer ({"text": ...}, or any payload an
// incoming hook takes) as the hook; an empty answer posts nothing.
func (s *Sender) reply(j *job, answer []byte) (storage.ID, error) {
	answer = bytes.TrimSpace(answer)
	if len(answer) == 0 || string(answer) == "{}" || string(answer) == "null" {
		return storage.NilID, nil
	}
	var p slack.Payload
	if err := json.Unmarshal(answer, &p); err != nil {
		return storage.NilID, errors.New("the answer is not a JSON object")
	}
	m, err := p.Message()
	if errors.Is(err, slack.ErrNothing) {
		return storage.NilID, nil
	}
	if err != nil {
		return storage.NilID, err
	}
	posted, err := s.chat.ReplyByHook(s.ctx, j.hook.ID, chat.HookPost{Text: m.Text, Attachments: m.Attachments})
	if err != nil {
		return storage.NilID, err
	}
	return posted.ID, nil
}

// Check says whether the outgoing policy lets the server call rawURL.
func (s *Sender) Check(ctx context.Context, rawURL string) error { return s.client.Check(ctx, rawURL) }

// CallCommand calls a custom slash command's URL with form, signed as
// deliveries are, and returns the answer's body; an answer other than
// 2xx is an error. (Its time limit is the policy's: the caller waits.)
func (s *Sender) CallCommand(ctx context.Context, c storage.Command, form url.Values) ([]byte, error) {
	body := []byte(form.Encode())
	req, err := http.NewRequestWithContext(ctx, "POST", c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(s.opts.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "makechat-command")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(c.Token, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	answer, err := s.client.Read(resp)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("it answered %d", resp.StatusCode)
	}
	return answer, err
}

// Sign is the signature of a delivery: "v0=" and the hex HMAC-SHA256
// under secret of "v0:<timestamp>:<body>".
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", timestamp)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func (s *Sender) record(hook storage.ID, d *Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := append(s.logs[hook], d)
	if len(l) > logSize {
		l = l[len(l)-logSize:]
	}
	s.logs[hook] = l
}

// Deliveries returns a hook's recent deliveries, newest first.
func (s *Sender) Deliveries(hook storage.ID) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logs[hook]
	out := make([]Delivery, len(l))
	for i, d := range l {
		out[len(l)-1-i] = *d
	}
	return out
}
