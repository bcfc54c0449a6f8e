package chat

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/makechat/makechat/appliance/media"
	"github.com/makechat/makechat/storage"
)

// Avatars: a user uploads a picture of itself; the server keeps a
// square of it, AvatarSide pixels wide, made from the image's centre
// with its EXIF orientation applied and no metadata. The picture a user
// uploaded is not kept (the sweep takes its bytes). Users without one
// are shown with their initials by the clients.

const (
	// AvatarSide is an avatar's width and height in pixels.
	AvatarSide = 256
	// MaxAvatarBytes bounds the picture a user uploads for its avatar.
	MaxAvatarBytes = 10 << 20
)

// Avatar errors.
var (
	ErrNoSuchAvatar = NotFound("avatar")
	errNotAnImage   = Invalid("file", "must be a PNG, JPEG, GIF or WebP image")
)

// SetAvatar makes the actor's avatar from the picture body gives.
func (s *Service) SetAvatar(ctx context.Context, a Actor, body io.Reader) (storage.User, error) {
	if a.User.ID.IsZero() {
		return storage.User{}, ErrUnauthenticated
	}
	blob, err := s.store.PutBlob(ctx, body, MaxAvatarBytes)
	if errors.Is(err, storage.ErrTooLarge) {
		return storage.User{}, errFileTooLarge(MaxAvatarBytes)
	}
	if err != nil {
		return storage.User{}, storeErr(err, "file")
	}
	r, err := s.store.OpenBlob(ctx, blob.SHA256)
	if err != nil {
		return storage.User{}, storeErr(err, "file")
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(512)
	if !media.Inline(media.Sniff(head)) {
		return storage.User{}, errNotAnImage
	}
	select {
	case s.thumbs <- struct{}{}:
		defer func() { <-s.thumbs }()
	case <-ctx.Done():
		return storage.User{}, ctx.Err()
	}
	pic, err := media.Avatar(br, AvatarSide, nil)
	if err != nil {
		return storage.User{}, Invalid("file", "could not be read as an image")
	}
	b, err := s.store.PutBlob(ctx, bytes.NewReader(pic.Data), int64(len(pic.Data)))
	if err != nil {
		return storage.User{}, storeErr(err, "file")
	}
	return s.setAvatar(ctx, a.User, b.SHA256)
}

// setAvatar stores user u's avatar (the blob named sha, or none for "")
// and tells everyone.
func (s *Service) setAvatar(ctx context.Context, u storage.User, sha string) (storage.User, error) {
	now := s.clock()
	p := storage.UserPatch{Avatar: &sha}
	clearExpired(&p, u, now)
	u, err := s.store.UpdateUser(ctx, u.ID, p)
	if err != nil {
		return storage.User{}, storeErr(err, "user")
	}
	s.userUpdated(u, now)
	return u, nil
}

// RemoveAvatar takes the actor's avatar away.
func (s *Service) RemoveAvatar(ctx context.Context, a Actor) error {
	if a.User.ID.IsZero() {
		return ErrUnauthenticated
	}
	_, err := s.setAvatar(ctx, a.User, "")
	return err
}

// OpenAvatar opens a user's avatar, for any user to see; a user without
// one has no such avatar.
func (s *Service) OpenAvatar(ctx context.Context, id storage.ID) (storage.User, storage.BlobReader, error) {
	u, err := s.store.User(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || err == nil && u.Avatar == "" {
		return storage.User{}, nil, ErrNoSuchAvatar
	}
	if err != nil {
		return storage.User{}, nil, storeErr(err, "user")
	}
	r, err := s.store.OpenBlob(ctx, u.Avatar)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, nil, ErrNoSuchAvatar
	}
	if err != nil {
		return storage.User{}, nil, storeErr(err, "user")
	}
	return u, r, nil
}
