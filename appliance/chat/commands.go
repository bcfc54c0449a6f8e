package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/appliance/slack"
	"github.com/makechat/makechat/storage"
)

// Command is a slash command the web app offers as one types "/".
type Command struct {
	Name  string // without the slash
	Usage string // its arguments, as help shows them: "@user"
	Help  string // one sentence
}

// Commands are the built-in slash commands, in the order help lists them.
var Commands = []Command{
	{Name: "me", Usage: "action", Help: "Post an action in italics: /me waves."},
	{Name: "topic", Usage: "text", Help: "Set the room's topic; without text, clear it (owners and administrators)."},
	{Name: "invite", Usage: "@user", Help: "Add someone to the room (owners and administrators)."},
	{Name: "leave", Help: "Leave the room."},
	{Name: "mute", Help: "Mute the room: no notifications, no bold name."},
	{Name: "unmute", Help: "Unmute the room."},
}

// CommandResult is what running a command did: a message it posted, if
// any, and a sentence for the one who ran it alone (ephemeral).
type CommandResult struct {
	Message *storage.Message
	Text    string
}

// RunCommand runs a slash command ("/topic Launch day") in a room, as
// the actor. An unknown command is an invalid parameter that names it,
// so that text meant as a message ("/etc/hosts is wrong") is never
// posted by mistake: the web app offers to post it as text.
func (s *Service) RunCommand(ctx context.Context, a Actor, room storage.ID, text string) (CommandResult, error) {
	if err := checkText(text); err != nil {
		return CommandResult{}, err
	}
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return CommandResult{}, ErrNotACommand
	}
	name, arg, _ := strings.Cut(text[1:], " ")
	arg = strings.TrimSpace(arg)
	name = strings.ToLower(name)
	switch name {
	case "me":
		if arg == "" {
			return CommandResult{}, ErrMeWithoutAct
		}
		m, err := s.Post(ctx, a, NewMessage{Room: room, Text: "_" + arg + "_"})
		if err != nil {
			return CommandResult{}, err
		}
		return CommandResult{Message: &m}, nil
	case "topic":
		r, err := s.UpdateRoom(ctx, a, room, RoomChanges{Topic: &arg})
		if err != nil {
			return CommandResult{}, err
		}
		if r.Topic == "" {
			return CommandResult{Text: "The topic of " + r.Name + " is cleared."}, nil
		}
		return CommandResult{Text: "The topic of " + r.Name + " is now: " + r.Topic}, nil
	case "invite":
		username := strings.TrimPrefix(arg, "@")
		if username == "" {
			return CommandResult{}, Missing("user")
		}
		u, err := s.store.UserByName(ctx, username)
		if errors.Is(err, storage.ErrNotFound) || err == nil && u.IsDisabled {
			return CommandResult{}, NotFound("user")
		}
		if err != nil {
			return CommandResult{}, storeErr(err, "user")
		}
		if _, err := s.AddMember(ctx, a, room, u.ID, storage.RoleMember); err != nil {
			return CommandResult{}, err
		}
		return CommandResult{Text: u.Username + " is now a member of this room."}, nil
	case "leave", "mute", "unmute":
		m, err := s.store.MemberOf(ctx, room, a.User.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return CommandResult{}, ErrNotAMember
		}
		if err != nil {
			return CommandResult{}, storeErr(err, "member")
		}
		if name == "leave" {
			if _, err := s.RemoveMember(ctx, a, m.ID); err != nil {
				return CommandResult{}, err
			}
			return CommandResult{Text: "You left the room."}, nil
		}
		muted := name == "mute"
		if _, err := s.UpdateMember(ctx, a, m.ID, MemberChanges{Muted: &muted}); err != nil {
			return CommandResult{}, err
		}
		if muted {
			return CommandResult{Text: "This room is muted."}, nil
		}
		return CommandResult{Text: "This room is no longer muted."}, nil
	}
	c, err := s.store.CommandByName(ctx, name)
	if errors.Is(err, storage.ErrNotFound) || err == nil && s.opts.CallCommand == nil {
		return CommandResult{}, errNoSuchCommand(name)
	}
	if err != nil {
		return CommandResult{}, storeErr(err, "command")
	}
	return s.runCustom(ctx, a, room, c, arg)
}

// runCustom calls a custom command as Mattermost calls its own: a form
// with the command, its text, who and where, and the command's token.
// The answer says what to post: {"response_type": "in_channel"} posts it
// in the room as the caller (who asked for it); anything else (Slack's
// and Mattermost's default, "ephemeral") is shown to the caller alone.
func (s *Service) runCustom(ctx context.Context, a Actor, room storage.ID, c storage.Command, text string) (CommandResult, error) {
	if err := s.mayWrite(ctx, a, room); err != nil {
		return CommandResult{}, err
	}
	r, err := s.store.Room(ctx, room)
	if err != nil {
		return CommandResult{}, storeErr(err, "room")
	}
	form := url.Values{
		"token": {c.Token}, "command": {"/" + c.Name}, "text": {text},
		"user_id": {a.User.ID.Hex()}, "user_name": {a.User.Username},
		"channel_id": {room.Hex()}, "channel_name": {r.Name},
	}
	body, err := s.opts.CallCommand(ctx, c, form)
	if err != nil {
		return CommandResult{}, errCommandFailed(c.Name, err)
	}
	var answer struct {
		ResponseType string `json:"response_type"`
		slack.Payload
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return CommandResult{}, nil
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return CommandResult{}, errCommandFailed(c.Name, errors.New("its answer is not a JSON object"))
	}
	m, err := answer.Message()
	if errors.Is(err, slack.ErrNothing) {
		return CommandResult{}, nil
	}
	if err != nil {
		return CommandResult{}, errCommandFailed(c.Name, err)
	}
	if answer.ResponseType != "in_channel" {
		return CommandResult{Text: m.Text}, nil
	}
	posted, err := s.Post(ctx, a, NewMessage{Room: room, Text: m.Text, Attachments: m.Attachments})
	if err != nil {
		return CommandResult{}, err
	}
	return CommandResult{Message: &posted}, nil
}

// NewCommand is a custom slash command an administrator makes.
type NewCommand struct {
	Name, URL, Help string
}

// CreateCommand makes a custom slash command (administrators may) and
// returns it with its token, which is sent with each call.
func (s *Service) CreateCommand(ctx context.Context, a Actor, n NewCommand) (storage.Command, error) {
	if !a.IsAdmin() {
		return storage.Command{}, ErrAdminRequired
	}
	n.Name = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(n.Name), "/"))
	if n.Name == "" {
		return storage.Command{}, Missing("name")
	}
	if err := storage.CheckCommandName(n.Name); err != nil {
		return storage.Command{}, Invalid("name", "must be 1 to 32 lower-case letters, digits, '-' and '_'")
	}
	for _, b := range Commands {
		if b.Name == n.Name {
			return storage.Command{}, errCommandTaken(n.Name)
		}
	}
	if n.URL == "" {
		return storage.Command{}, Missing("url")
	}
	if !storage.IsWebLink(n.URL) || !strings.HasPrefix(n.URL, "http") {
		return storage.Command{}, Invalid("url", "must be an http or https URL")
	}
	help, err := cleanLine("help", n.Help)
	if err != nil {
		return storage.Command{}, err
	}
	if s.opts.CheckURL != nil {
		if err := s.opts.CheckURL(ctx, n.URL); err != nil {
			return storage.Command{}, Invalid("url", "cannot be called: "+err.Error())
		}
	}
	c := storage.Command{ID: s.ids.New(), Name: n.Name, URL: n.URL, Help: help, Token: auth.NewToken(), Creator: a.User.ID, Created: s.clock()}
	if err := s.store.CreateCommand(ctx, c); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return storage.Command{}, errCommandTaken(n.Name)
		}
		return storage.Command{}, storeErr(err, "command")
	}
	return c, nil
}

// CustomCommands lists the custom commands (any user may: the composer
// offers them).
func (s *Service) CustomCommands(ctx context.Context) ([]storage.Command, error) {
	cs, err := s.store.Commands(ctx)
	return cs, storeErr(err, "command")
}

// DeleteCommand removes a custom command (administrators may).
func (s *Service) DeleteCommand(ctx context.Context, a Actor, id storage.ID) error {
	if !a.IsAdmin() {
		return ErrAdminRequired
	}
	if err := s.store.DeleteCommand(ctx, id); errors.Is(err, storage.ErrNotFound) {
		return ErrNoSuchCommand
	} else if err != nil {
		return storeErr(err, "command")
	}
	return nil
}
