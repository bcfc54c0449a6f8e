package storagetest

import (
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

var previewScenarios = []scenario{
	{"SetPreview sets a preview once with onlyFirst, replaces it without, and keeps the rest of the message", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		m := e.say(r, alice, "see https://example.com/a")
		p := storage.LinkPreview{URL: "https://example.com/a", Title: "A <page>", Description: "about \x00 it", Image: "https://example.com/a.png", SiteName: "Example"}
		got, set, err := e.s.SetPreview(e.ctx(), m.ID, p, true)
		require.NoError(e, err)
		require.True(e, set)
		want := m
		want.Preview = &p
		same(e, want, got)
		stored, err := e.s.Message(e.ctx(), m.ID)
		require.NoError(e, err)
		same(e, want, stored)
		require.Len(e, e.find("see", storage.RoomConversation(r.ID)), 1, "still found by its words")

		// A second fetch does not replace it; a removal does, and then
		// no fetch comes back.
		_, set, err = e.s.SetPreview(e.ctx(), m.ID, storage.LinkPreview{URL: "https://example.com/a", Title: "later"}, true)
		require.NoError(e, err)
		require.False(e, set)
		removed := storage.LinkPreview{URL: p.URL, Removed: true}
		got, set, err = e.s.SetPreview(e.ctx(), m.ID, removed, false)
		require.NoError(e, err)
		require.True(e, set)
		require.Equal(e, &removed, got.Preview)
		got, set, err = e.s.SetPreview(e.ctx(), m.ID, p, true)
		require.NoError(e, err)
		require.False(e, set)
		require.Equal(e, &removed, got.Preview, "the answer is the message as it is")
		hist := e.history(storage.RoomConversation(r.ID), storage.MessageQuery{})
		require.Equal(e, &removed, hist[0].Preview)

		_, _, err = e.s.SetPreview(e.ctx(), e.ids.New(), p, true)
		require.ErrorIs(e, err, storage.ErrNotFound)
		_, _, err = e.s.SetPreview(e.ctx(), e.ids.New(), p, false)
		require.ErrorIs(e, err, storage.ErrNotFound)
	}},
}
