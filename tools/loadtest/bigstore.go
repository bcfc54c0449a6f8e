package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/makechat/makechat/storage"
)

// storeFile is the embedded store's file name in a data directory; it
// must match appliance.StoreFile (tools do not import appliance).
const storeFile = "makechat.db"

// Shape of the large store's texts.
const (
	vocabularySize = 5000
	minWords       = 8
	maxWords       = 12
	fillWriters    = 256
)

// bigStore is a data directory whose store holds one room with many
// messages, filled directly through storage/bolt.
type bigStore struct {
	dir      string
	room     storage.ID
	messages int
	fillTime time.Duration
}

// bigStore returns the large store, filling it on first use.
func (r *runner) bigStore(ctx context.Context) (*bigStore, error) {
	if r.big != nil {
		return r.big, nil
	}
	dir := filepath.Join(r.work, "big")
	fmt.Fprintf(r.err, "loadtest: filling a store with %s messages…\n", thousands(int64(r.opts.messages)))
	b, err := fillStore(ctx, func() (storage.Store, error) { return r.openStore(ctx, dir) }, dir, r.opts.messages, func(done int) {
		fmt.Fprintf(r.err, "loadtest:   %s messages stored\n", thousands(int64(done)))
	})
	if err != nil {
		return nil, fmt.Errorf("fill the store: %w", err)
	}
	r.big = b
	via := "storage/bolt"
	if r.opts.mongoURI != "" {
		via = "storage/mongo"
	}
	tbl := newTable("fill: the large store, written through "+via+" before any server runs on it",
		"messages", "writers", "took", "messages/s")
	tbl.add(thousands(int64(b.messages)), fmt.Sprint(fillWriters), b.fillTime.Round(time.Millisecond).String(), fmtRate(perSecond(int64(b.messages), b.fillTime)))
	tbl.note("one room; texts of %d to %d words drawn uniformly from a generated vocabulary of %d words", minWords, maxWords, vocabularySize)
	tbl.note("the newest %d messages have %d reactions each, and one in %d a thread of %d replies", decorated, reactionsEach, threadEvery, repliesInThread)
	tbl.print(r.out)
	return b, nil
}

// fillStore creates the administrator (with a bcrypt hash, so that it
// can log in), a room it owns, and n messages in that room from
// fillWriters goroutines. progress is told every 15 s.
func fillStore(ctx context.Context, open func() (storage.Store, error), dir string, n int, progress func(done int)) (*bigStore, error) {
	st, err := open()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ids := storage.NewIDGen()
	now := time.Now().UTC().Truncate(time.Millisecond)
	hash, err := bcrypt.GenerateFromPassword([]byte(adminPass), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	user := storage.User{ID: ids.New(), Username: adminUser, Email: adminEmail, PasswordHash: string(hash), IsSuperuser: true, Created: now}
	if err := st.CreateUser(ctx, user); err != nil {
		return nil, err
	}
	room := storage.Room{ID: ids.New(), Name: "history", IsOpen: true, IsVisible: true, Created: now}
	owner := storage.Member{ID: ids.New(), Room: room.ID, Profile: user.ID, Role: storage.RoleOwner, Created: now}
	if err := st.CreateRoom(ctx, room, owner); err != nil {
		return nil, err
	}

	vocab := vocabulary()
	var next, done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	stop := make(chan struct{})
	start := time.Now()
	for w := range fillWriters {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 0x5eed))
			for ctx.Err() == nil {
				if next.Add(1) > int64(n) {
					return
				}
				m := storage.Message{
					ID:      ids.New(),
					Text:    sentence(rng, vocab),
					Sender:  user.ID,
					Room:    room.ID,
					Created: time.Now().UTC().Truncate(time.Millisecond),
				}
				if err := st.CreateMessage(ctx, m); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		})
	}
	go func() {
		tick := time.NewTicker(15 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				progress(int(done.Load()))
			}
		}
	}()
	wg.Wait()
	close(stop)
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := decorate(ctx, st, ids, room.ID, user); err != nil {
		return nil, err
	}
	return &bigStore{dir: dir, room: room.ID, messages: n, fillTime: time.Since(start)}, nil
}

// Newest messages that decorate gives reactions, and one in how many of
// them gets a thread, so that history pages carry both.
const (
	decorated       = 100
	reactionsEach   = 3
	threadEvery     = 5
	repliesInThread = 3
)

// decorate gives the newest decorated messages reactionsEach reactions
// each, and every threadEvery-th a thread of repliesInThread replies
// (issue 16: a history page of messages with reactions and thread
// summaries).
func decorate(ctx context.Context, st storage.Store, ids *storage.IDGen, room storage.ID, user storage.User) error {
	newest, err := st.Messages(ctx, storage.RoomConversation(room), storage.MessageQuery{Limit: decorated})
	if err != nil {
		return err
	}
	emoji := []string{"👍", "🎉", "🚀"}
	for i, m := range newest {
		for _, e := range emoji[:reactionsEach] {
			r := storage.Reaction{Emoji: e, User: user.ID, Username: user.Username, At: time.Now()}
			if _, _, err := st.AddReaction(ctx, m.ID, r); err != nil {
				return err
			}
		}
		if i%threadEvery != 0 {
			continue
		}
		for range repliesInThread {
			reply := storage.Message{ID: ids.New(), Text: "a reply", Sender: user.ID, Room: room, Thread: m.ID, Created: time.Now().UTC().Truncate(time.Millisecond)}
			if err := st.CreateMessage(ctx, reply); err != nil {
				return err
			}
		}
	}
	return nil
}

// vocabulary makes vocabularySize distinct pronounceable words, the same
// on every run.
func vocabulary() []string {
	const consonants, vowels = "bcdfghjklmnprstvz", "aeiou"
	rng := rand.New(rand.NewPCG(42, 42))
	seen := map[string]bool{}
	words := make([]string, 0, vocabularySize)
	for len(words) < vocabularySize {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteByte(consonants[rng.IntN(len(consonants))])
			b.WriteByte(vowels[rng.IntN(len(vowels))])
		}
		if rng.IntN(2) == 0 {
			b.WriteByte(consonants[rng.IntN(len(consonants))])
		}
		w := b.String()
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// sentence is minWords to maxWords words of vocab, separated by spaces.
func sentence(rng *rand.Rand, vocab []string) string {
	n := minWords + rng.IntN(maxWords-minWords+1)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vocab[rng.IntN(len(vocab))])
	}
	return b.String()
}
