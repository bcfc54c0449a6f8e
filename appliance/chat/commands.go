package chat

import (
	"context"
	"errors"
	"strings"

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
	return CommandResult{}, errNoSuchCommand(name)
}
