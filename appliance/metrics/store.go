package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/makechat/makechat/storage"
)

// Store wraps st so that each call's duration is observed under the
// method's name, and its faults counted. Not found and duplicate are
// answers, not faults.
func (m *Metrics) Store(st storage.Store) storage.Store { return &store{st: st, m: m} }

var _ storage.Store = (*store)(nil)

type store struct {
	st storage.Store
	m  *Metrics
}

// observe records one call of op that started at start and ended with err.
func (w *store) observe(op string, start time.Time, err error) {
	w.m.storeTime.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil && !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, storage.ErrDuplicate) && !errors.Is(err, context.Canceled) {
		w.m.storeErrors.WithLabelValues(op).Inc()
	}
}

func (w *store) Ping(ctx context.Context) error {
	start := time.Now()
	err := w.st.Ping(ctx)
	w.observe("Ping", start, err)
	return err
}

func (w *store) Close() error { return w.st.Close() }

func (w *store) CreateUser(ctx context.Context, u storage.User) error {
	start := time.Now()
	err := w.st.CreateUser(ctx, u)
	w.observe("CreateUser", start, err)
	return err
}

func (w *store) User(ctx context.Context, id storage.ID) (storage.User, error) {
	start := time.Now()
	v, err := w.st.User(ctx, id)
	w.observe("User", start, err)
	return v, err
}

func (w *store) UserByName(ctx context.Context, username string) (storage.User, error) {
	start := time.Now()
	v, err := w.st.UserByName(ctx, username)
	w.observe("UserByName", start, err)
	return v, err
}

func (w *store) Users(ctx context.Context, p storage.Page) ([]storage.User, int, error) {
	start := time.Now()
	v, n, err := w.st.Users(ctx, p)
	w.observe("Users", start, err)
	return v, n, err
}

func (w *store) UpdateUser(ctx context.Context, id storage.ID, p storage.UserPatch) (storage.User, error) {
	start := time.Now()
	v, err := w.st.UpdateUser(ctx, id, p)
	w.observe("UpdateUser", start, err)
	return v, err
}

func (w *store) DeleteUser(ctx context.Context, id storage.ID) error {
	start := time.Now()
	err := w.st.DeleteUser(ctx, id)
	w.observe("DeleteUser", start, err)
	return err
}

func (w *store) CountAdmins(ctx context.Context) (int, error) {
	start := time.Now()
	v, err := w.st.CountAdmins(ctx)
	w.observe("CountAdmins", start, err)
	return v, err
}

func (w *store) CreateSession(ctx context.Context, s storage.Session) error {
	start := time.Now()
	err := w.st.CreateSession(ctx, s)
	w.observe("CreateSession", start, err)
	return err
}

func (w *store) SessionByKey(ctx context.Context, keyHash string) (storage.Session, error) {
	start := time.Now()
	v, err := w.st.SessionByKey(ctx, keyHash)
	w.observe("SessionByKey", start, err)
	return v, err
}

func (w *store) DeleteSession(ctx context.Context, keyHash string) error {
	start := time.Now()
	err := w.st.DeleteSession(ctx, keyHash)
	w.observe("DeleteSession", start, err)
	return err
}

func (w *store) DeleteUserSessions(ctx context.Context, user storage.ID) (int, error) {
	start := time.Now()
	v, err := w.st.DeleteUserSessions(ctx, user)
	w.observe("DeleteUserSessions", start, err)
	return v, err
}

func (w *store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	start := time.Now()
	v, err := w.st.DeleteExpiredSessions(ctx, now)
	w.observe("DeleteExpiredSessions", start, err)
	return v, err
}

func (w *store) CreateToken(ctx context.Context, t storage.Token) error {
	start := time.Now()
	err := w.st.CreateToken(ctx, t)
	w.observe("CreateToken", start, err)
	return err
}

func (w *store) TokenByHash(ctx context.Context, hash string) (storage.Token, error) {
	start := time.Now()
	v, err := w.st.TokenByHash(ctx, hash)
	w.observe("TokenByHash", start, err)
	return v, err
}

func (w *store) Tokens(ctx context.Context, user storage.ID) ([]storage.Token, error) {
	start := time.Now()
	v, err := w.st.Tokens(ctx, user)
	w.observe("Tokens", start, err)
	return v, err
}

func (w *store) TouchToken(ctx context.Context, id storage.ID, at time.Time) error {
	start := time.Now()
	err := w.st.TouchToken(ctx, id, at)
	w.observe("TouchToken", start, err)
	return err
}

func (w *store) DeleteToken(ctx context.Context, id storage.ID) error {
	start := time.Now()
	err := w.st.DeleteToken(ctx, id)
	w.observe("DeleteToken", start, err)
	return err
}

func (w *store) CreateRoom(ctx context.Context, r storage.Room, owner storage.Member) error {
	start := time.Now()
	err := w.st.CreateRoom(ctx, r, owner)
	w.observe("CreateRoom", start, err)
	return err
}

func (w *store) Room(ctx context.Context, id storage.ID) (storage.Room, error) {
	start := time.Now()
	v, err := w.st.Room(ctx, id)
	w.observe("Room", start, err)
	return v, err
}

func (w *store) Rooms(ctx context.Context) ([]storage.Room, error) {
	start := time.Now()
	v, err := w.st.Rooms(ctx)
	w.observe("Rooms", start, err)
	return v, err
}

func (w *store) UpdateRoom(ctx context.Context, id storage.ID, p storage.RoomPatch) (storage.Room, error) {
	start := time.Now()
	v, err := w.st.UpdateRoom(ctx, id, p)
	w.observe("UpdateRoom", start, err)
	return v, err
}

func (w *store) DeleteRoom(ctx context.Context, id storage.ID) error {
	start := time.Now()
	err := w.st.DeleteRoom(ctx, id)
	w.observe("DeleteRoom", start, err)
	return err
}

func (w *store) AddMember(ctx context.Context, m storage.Member) error {
	start := time.Now()
	err := w.st.AddMember(ctx, m)
	w.observe("AddMember", start, err)
	return err
}

func (w *store) Member(ctx context.Context, id storage.ID) (storage.Member, error) {
	start := time.Now()
	v, err := w.st.Member(ctx, id)
	w.observe("Member", start, err)
	return v, err
}

func (w *store) MemberOf(ctx context.Context, room, user storage.ID) (storage.Member, error) {
	start := time.Now()
	v, err := w.st.MemberOf(ctx, room, user)
	w.observe("MemberOf", start, err)
	return v, err
}

func (w *store) Members(ctx context.Context, room storage.ID) ([]storage.Member, error) {
	start := time.Now()
	v, err := w.st.Members(ctx, room)
	w.observe("Members", start, err)
	return v, err
}

func (w *store) MembershipsOf(ctx context.Context, user storage.ID) ([]storage.Member, error) {
	start := time.Now()
	v, err := w.st.MembershipsOf(ctx, user)
	w.observe("MembershipsOf", start, err)
	return v, err
}

func (w *store) SetMemberRole(ctx context.Context, id storage.ID, role string) (storage.Member, error) {
	start := time.Now()
	v, err := w.st.SetMemberRole(ctx, id, role)
	w.observe("SetMemberRole", start, err)
	return v, err
}

func (w *store) DeleteMember(ctx context.Context, id storage.ID) error {
	start := time.Now()
	err := w.st.DeleteMember(ctx, id)
	w.observe("DeleteMember", start, err)
	return err
}

func (w *store) SetReadMarker(ctx context.Context, member storage.ID, msg storage.ID) (storage.Member, error) {
	start := time.Now()
	v, err := w.st.SetReadMarker(ctx, member, msg)
	w.observe("SetReadMarker", start, err)
	return v, err
}

func (w *store) CreateMessage(ctx context.Context, m storage.Message) error {
	start := time.Now()
	err := w.st.CreateMessage(ctx, m)
	w.observe("CreateMessage", start, err)
	return err
}

func (w *store) Message(ctx context.Context, id storage.ID) (storage.Message, error) {
	start := time.Now()
	v, err := w.st.Message(ctx, id)
	w.observe("Message", start, err)
	return v, err
}

func (w *store) Messages(ctx context.Context, c storage.Conversation, q storage.MessageQuery) ([]storage.Message, error) {
	start := time.Now()
	v, err := w.st.Messages(ctx, c, q)
	w.observe("Messages", start, err)
	return v, err
}

func (w *store) CountMessagesAfter(ctx context.Context, c storage.Conversation, after storage.ID, limit int) (int, error) {
	start := time.Now()
	v, err := w.st.CountMessagesAfter(ctx, c, after, limit)
	w.observe("CountMessagesAfter", start, err)
	return v, err
}

func (w *store) EditMessage(ctx context.Context, id storage.ID, text string, edited time.Time) (storage.Message, error) {
	start := time.Now()
	v, err := w.st.EditMessage(ctx, id, text, edited)
	w.observe("EditMessage", start, err)
	return v, err
}

func (w *store) DeleteMessage(ctx context.Context, id storage.ID) error {
	start := time.Now()
	err := w.st.DeleteMessage(ctx, id)
	w.observe("DeleteMessage", start, err)
	return err
}

func (w *store) DirectPartners(ctx context.Context, user storage.ID) ([]storage.ID, error) {
	start := time.Now()
	v, err := w.st.DirectPartners(ctx, user)
	w.observe("DirectPartners", start, err)
	return v, err
}

func (w *store) LastMessageID(ctx context.Context) (storage.ID, error) {
	start := time.Now()
	v, err := w.st.LastMessageID(ctx)
	w.observe("LastMessageID", start, err)
	return v, err
}

func (w *store) SearchMessages(ctx context.Context, q storage.SearchQuery) ([]storage.Message, error) {
	start := time.Now()
	v, err := w.st.SearchMessages(ctx, q)
	w.observe("SearchMessages", start, err)
	return v, err
}

func (w *store) CreateHook(ctx context.Context, h storage.Hook) error {
	start := time.Now()
	err := w.st.CreateHook(ctx, h)
	w.observe("CreateHook", start, err)
	return err
}

func (w *store) Hook(ctx context.Context, id storage.ID) (storage.Hook, error) {
	start := time.Now()
	v, err := w.st.Hook(ctx, id)
	w.observe("Hook", start, err)
	return v, err
}

func (w *store) HookBySecret(ctx context.Context, secretHash string) (storage.Hook, error) {
	start := time.Now()
	v, err := w.st.HookBySecret(ctx, secretHash)
	w.observe("HookBySecret", start, err)
	return v, err
}

func (w *store) Hooks(ctx context.Context, room storage.ID) ([]storage.Hook, error) {
	start := time.Now()
	v, err := w.st.Hooks(ctx, room)
	w.observe("Hooks", start, err)
	return v, err
}

func (w *store) DeleteHook(ctx context.Context, id storage.ID) error {
	start := time.Now()
	err := w.st.DeleteHook(ctx, id)
	w.observe("DeleteHook", start, err)
	return err
}

func (w *store) Export(ctx context.Context, fn func(storage.Record) error) error {
	start := time.Now()
	err := w.st.Export(ctx, fn)
	w.observe("Export", start, err)
	return err
}

func (w *store) Import(ctx context.Context, recs []storage.Record) error {
	start := time.Now()
	err := w.st.Import(ctx, recs)
	w.observe("Import", start, err)
	return err
}

func (w *store) Counts(ctx context.Context) (map[string]int, error) {
	start := time.Now()
	v, err := w.st.Counts(ctx)
	w.observe("Counts", start, err)
	return v, err
}

func (w *store) Clear(ctx context.Context) error {
	start := time.Now()
	err := w.st.Clear(ctx)
	w.observe("Clear", start, err)
	return err
}

func (w *store) UserByEmail(ctx context.Context, email string) (storage.User, error) {
	start := time.Now()
	v, err := w.st.UserByEmail(ctx, email)
	w.observe("UserByEmail", start, err)
	return v, err
}

func (w *store) Sessions(ctx context.Context, user storage.ID) ([]storage.Session, error) {
	start := time.Now()
	v, err := w.st.Sessions(ctx, user)
	w.observe("Sessions", start, err)
	return v, err
}

func (w *store) DeleteUserTokens(ctx context.Context, user storage.ID) (int, error) {
	start := time.Now()
	v, err := w.st.DeleteUserTokens(ctx, user)
	w.observe("DeleteUserTokens", start, err)
	return v, err
}
