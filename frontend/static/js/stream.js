// The live stream: a WebSocket to /api/stream that reconnects by itself,
// with growing, jittered delays, and resumes with ?since=<last message id>
// so that nothing posted while it was down is missed.
//
// Besides calling its owner (live.js), it tells the page, for modules that
// only follow along (outbox.js), through two events on document:
//   'makechat:stream'  detail: the event, dispatched just before onEvent
//                      handles it (a listener may settle its own state
//                      first: the outbox puts a message it sent in the
//                      place of its pending line);
//   'makechat:conn'    detail: 'connecting', 'live' or 'down', after onState.

export class Stream {
  // onEvent(event) gets every event; onState(state) gets 'connecting',
  // 'live' or 'down'; check() is called after a failed attempt and may
  // return false to stop (the session has ended).
  constructor({onEvent, onState, check, lastId}) {
    this.onEvent = (ev) => {
      document.dispatchEvent(new CustomEvent('makechat:stream', {detail: ev}));
      onEvent(ev);
    };
    this.onState = (state) => {
      onState(state);
      document.dispatchEvent(new CustomEvent('makechat:conn', {detail: state}));
    };
    this.check = check;
    this.lastId = lastId || '';
    this.failures = 0;
    this.stopped = false;
    this.ws = null;
    this.timer = 0;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
  }

  // saw records a message id, so that a reconnect resumes after it.
  saw(id) {
    if (id && id > this.lastId) this.lastId = id;
  }

  // send sends an event to the server; it says whether it could (the
  // socket is open).
  send(event, data) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({event, data}));
      return true;
    }
    return false;
  }

  connect() {
    if (this.ws) {
      // Never two sockets: an old one would deliver every event twice.
      const old = this.ws;
      this.ws = null;
      old.close(1000);
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const since = this.lastId ? '?since=' + encodeURIComponent(this.lastId) : '';
    const ws = new WebSocket(`${scheme}//${location.host}/api/stream${since}`);
    this.ws = ws;
    this.onState(this.failures ? 'down' : 'connecting');
    ws.onopen = () => {
      this.failures = 0;
      this.onState('live');
    };
    ws.onmessage = (m) => {
      if (this.ws !== ws) return;
      let ev;
      try { ev = JSON.parse(m.data); } catch { return; }
      if (ev && ev.event && ev.event.startsWith('message.') && ev.data && ev.data._id) {
        this.saw(ev.data._id.$oid || ev.data._id);
      }
      this.onEvent(ev);
    };
    ws.onclose = async () => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      this.failures++;
      this.onState('down');
      if (this.check && !(await this.check())) return;
      // retryNow may have connected while check was waiting.
      if (this.stopped || this.ws) return;
      const base = Math.min(15000, 500 * 2 ** Math.min(this.failures - 1, 5));
      this.timer = setTimeout(() => this.connect(), base / 2 + Math.random() * base / 2);
    };
  }

  // retryNow skips the wait, e.g. when the browser comes back online.
  retryNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.connect();
  }
}
