package storagetest

import (
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

var commandScenarios = []scenario{
	{"CreateCommand stores every field; CommandByName finds it without regard to case; Commands lists by name", func(e *env) {
		alice := e.newUser("alice")
		deploy := storage.Command{ID: e.ids.New(), Name: "deploy", URL: "https://ci.example.com/cmd", Help: "Ship it", Token: "0123456789abcdef", Creator: alice.ID, Created: time.Now()}
		weather := storage.Command{ID: e.ids.New(), Name: "weather", URL: "http://10.0.0.5/w", Token: "fedcba9876543210", Creator: alice.ID, Created: time.Now()}
		require.NoError(e, e.s.CreateCommand(e.ctx(), weather))
		require.NoError(e, e.s.CreateCommand(e.ctx(), deploy))
		got, err := e.s.CommandByName(e.ctx(), "DEPLOY")
		require.NoError(e, err)
		same(e, deploy, got)
		list, err := e.s.Commands(e.ctx())
		require.NoError(e, err)
		require.Len(e, list, 2)
		same(e, deploy, list[0])
		same(e, weather, list[1])
	}},
	{"CreateCommand with a taken name gives ErrDuplicate; DeleteCommand frees the name", func(e *env) {
		alice := e.newUser("alice")
		c := storage.Command{ID: e.ids.New(), Name: "deploy", URL: "https://x.example", Token: "0123456789abcdef", Creator: alice.ID, Created: time.Now()}
		require.NoError(e, e.s.CreateCommand(e.ctx(), c))
		again := c
		again.ID, again.Name = e.ids.New(), "Deploy"
		duplicate(e, e.s.CreateCommand(e.ctx(), again))
		require.NoError(e, e.s.DeleteCommand(e.ctx(), c.ID))
		_, err := e.s.CommandByName(e.ctx(), "deploy")
		notFound(e, err)
		notFound(e, e.s.DeleteCommand(e.ctx(), c.ID))
		require.NoError(e, e.s.CreateCommand(e.ctx(), again))
		list, err := e.s.Commands(e.ctx())
		require.NoError(e, err)
		require.Len(e, list, 1)
		_, err = e.s.CommandByName(e.ctx(), "")
		notFound(e, err)
	}},
	{"Commands of an empty store is an empty list", func(e *env) {
		list, err := e.s.Commands(e.ctx())
		require.NoError(e, err)
		require.NotNil(e, list)
		require.Empty(e, list)
	}},
}
