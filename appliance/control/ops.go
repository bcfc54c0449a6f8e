package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// Ops are the management operations, run as the system actor.
type Ops struct {
	chat    *chat.Service
	maint   Maintenance
	backups Backuper
	cluster func() ClusterInfo // nil: not a cluster's node
}

// ClusterInfo is what a node knows of its cluster.
type ClusterInfo struct {
	NATSConnected bool          `json:"nats_connected"`
	Nodes         []ClusterNode `json:"nodes"`
}

// ClusterNode is a node as the node asked knows it: itself, and the
// others it heard from lately.
type ClusterNode struct {
	Node    string    `json:"node"`
	Version string    `json:"version"`
	Streams int       `json:"streams"`
	Started time.Time `json:"started"`
	Heard   time.Time `json:"heard,omitzero"` // zero for the node asked
	Self    bool      `json:"self,omitempty"`
}

// WithCluster makes the cluster operation answer with what c says.
func (o *Ops) WithCluster(c func() ClusterInfo) *Ops {
	o.cluster = c
	return o
}

// ErrNotClustered answers the cluster operation on a node of its own.
var ErrNotClustered = errors.New("this server is not a cluster's node (neither nats_url nor nats_embedded is set)")

// Backuper takes a backup of the store into a directory ("" for the
// configured one).
type Backuper interface {
	Backup(ctx context.Context, dir string) (BackupInfo, error)
}

// BackupArgs are the arguments of the backup operation.
type BackupArgs struct {
	Dir string `json:"dir,omitempty"`
}

// BackupInfo describes a backup that was taken.
type BackupInfo struct {
	Path     string  `json:"path"`
	Records  int     `json:"records"`
	Messages int     `json:"messages"`
	Bytes    int64   `json:"bytes"`
	Seconds  float64 `json:"seconds"`
}

// Maintenance is the maintenance-mode switch the operations turn.
type Maintenance interface {
	On() bool
	Set(on bool) error
}

// NewOps returns the operations over a chat service, a maintenance
// switch and a backup taker.
func NewOps(svc *chat.Service, maint Maintenance, backups Backuper) *Ops {
	return &Ops{chat: svc, maint: maint, backups: backups}
}

// MaintenanceArgs switch maintenance mode (On nil: only ask).
type MaintenanceArgs struct {
	On *bool `json:"on,omitempty"`
}

// MaintenanceInfo is the mode after the operation.
type MaintenanceInfo struct {
	On bool `json:"on"`
}

// UserArgs are the arguments of the user operations.
type UserArgs struct {
	Username string `json:"username"`
	Password string `json:"password,omitempty"`
	Email    string `json:"email,omitempty"`
	Admin    bool   `json:"admin,omitempty"`
	// KeepTokens, for changepass, leaves the user's API tokens working
	// (a reset revokes them by default; see chat.UpdateUser).
	KeepTokens bool `json:"keep_tokens,omitempty"`
}

// UserInfo is what the user operations answer.
type UserInfo struct {
	ID          string    `json:"id"`
	Username    string    `json:"username"`
	Email       string    `json:"email"`
	IsSuperuser bool      `json:"is_superuser"`
	IsDisabled  bool      `json:"is_disabled"`
	Created     time.Time `json:"created"`
}

func info(u storage.User) UserInfo {
	return UserInfo{u.ID.Hex(), u.Username, u.Email, u.IsSuperuser, u.IsDisabled, u.Created}
}

// Operation names.
const (
	OpUserCreate     = "user.create"
	OpUserChangepass = "user.changepass"
	OpUserList       = "user.list"
	OpUserDisable    = "user.disable"
	OpUserEnable     = "user.enable"
	OpMaintenance    = "maintenance"
	OpBackup         = "backup"
	OpCluster        = "cluster"
)

// Do runs one operation; args is its JSON-encoded argument struct.
func (o *Ops) Do(ctx context.Context, op string, args json.RawMessage) (any, error) {
	if op == OpMaintenance {
		var ma MaintenanceArgs
		if len(args) > 0 && string(args) != "null" {
			if err := json.Unmarshal(args, &ma); err != nil {
				return nil, fmt.Errorf("malformed arguments for %s", op)
			}
		}
		if ma.On != nil {
			if err := o.maint.Set(*ma.On); err != nil {
				return nil, err
			}
		}
		return MaintenanceInfo{On: o.maint.On()}, nil
	}
	if op == OpCluster {
		if o.cluster == nil {
			return nil, ErrNotClustered
		}
		return o.cluster(), nil
	}
	if op == OpBackup {
		var ba BackupArgs
		if len(args) > 0 && string(args) != "null" {
			if err := json.Unmarshal(args, &ba); err != nil {
				return nil, fmt.Errorf("malformed arguments for %s", op)
			}
		}
		return o.backups.Backup(ctx, ba.Dir)
	}
	var ua UserArgs
	if len(args) > 0 && string(args) != "null" {
		if err := json.Unmarshal(args, &ua); err != nil {
			return nil, fmt.Errorf("malformed arguments for %s", op)
		}
	}
	a := chat.SystemActor
	switch op {
	case OpUserCreate:
		u, err := o.chat.CreateUser(ctx, a, chat.NewUser{Username: ua.Username, Email: ua.Email, Password: ua.Password, IsSuperuser: ua.Admin})
		return info(u), err
	case OpUserChangepass:
		revoke := !ua.KeepTokens
		return o.update(ctx, ua.Username, chat.UserChanges{Password: &ua.Password, RevokeTokens: &revoke})
	case OpUserDisable, OpUserEnable:
		disabled := op == OpUserDisable
		return o.update(ctx, ua.Username, chat.UserChanges{IsDisabled: &disabled})
	case OpUserList:
		return o.list(ctx)
	}
	return nil, fmt.Errorf("unknown operation %q", op)
}

func (o *Ops) update(ctx context.Context, username string, c chat.UserChanges) (UserInfo, error) {
	u, err := o.chat.UserByName(ctx, chat.SystemActor, username)
	if err != nil {
		return UserInfo{}, err
	}
	u, err = o.chat.UpdateUser(ctx, chat.SystemActor, u.ID, c)
	return info(u), err
}

func (o *Ops) list(ctx context.Context) ([]UserInfo, error) {
	var out []UserInfo
	const batch = 500
	for offset := 0; ; offset += batch {
		users, total, err := o.chat.Users(ctx, chat.SystemActor, storage.Page{Offset: offset, Limit: batch})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			out = append(out, info(u))
		}
		if offset+batch >= total || len(users) == 0 {
			return out, nil
		}
	}
}

// Call runs one operation in this process, with the same encoding of
// arguments, results and errors as a call through the socket.
func (o *Ops) Call(ctx context.Context, op string, args, result any) error {
	a, err := json.Marshal(args)
	if err != nil {
		return err
	}
	out, err := o.Do(ctx, op, a)
	if err != nil {
		return errors.New(Message(err))
	}
	b, err := json.Marshal(out)
	if err != nil || result == nil {
		return err
	}
	return json.Unmarshal(b, result)
}

// Message is the one line an operator sees for err: a domain error's
// sentence, or the error text of a fault.
func Message(err error) string {
	if de, ok := chat.AsError(err); ok {
		return de.Msg
	}
	return err.Error()
}
