'use strict';

// Shows each video's latest status and follows the event stream.
//
// On start the page reads the snapshot from /api/v2/videos, then opens the stream with the
// snapshot's last_event_id, so the stream carries exactly the events after the snapshot.
// EventSource reconnects by itself after a drop and resumes with Last-Event-ID. The page reads
// the snapshot again when the stream is back after an error and on stream.reset (the server
// could not replay, for example after a restart). A snapshot never undoes a newer event: each
// row remembers the id of the event it shows, and a row that changed while the snapshot was
// being fetched keeps its state when its event is newer than the snapshot.
(function () {
  const VIDEOS_URL = '/api/v2/videos';
  const STREAM_URL = '/api/v2/events/stream';
  const CSRF_URL = '/api/v2/csrf-token';

  // After EventSource gives up for good (readyState CLOSED), the page opens a new one itself,
  // waiting twice as long after each failure, up to the cap.
  const RESTART_MIN_MS = 1000;
  const RESTART_MAX_MS = 30000;

  const TERMINAL_STATUSES = new Set(['completed', 'failed']);
  const CONNECTION_LABELS = {
    connecting: 'Connecting',
    connected: 'Connected',
    reconnecting: 'Reconnecting',
  };

  const elements = {
    connection: document.getElementById('connection'),
    form: document.getElementById('follow-form'),
    input: document.getElementById('follow-input'),
    showAll: document.getElementById('show-all'),
    following: document.getElementById('following'),
    rows: document.getElementById('video-rows'),
    empty: document.getElementById('empty'),
    notice: document.getElementById('notice'),
  };

  const state = {
    // video_id -> {data, eventId, rank, change}; rank orders rows, newest video first.
    videos: new Map(),
    rowsById: new Map(),
    topRank: 0,
    // Counts events applied from the stream, to tell which rows changed during a fetch.
    changes: 0,
    followed: null,
    source: null,
    // Increased for every new stream; callbacks of older streams see a stale value and stop.
    generation: 0,
    resyncOnOpen: false,
    restartDelay: RESTART_MIN_MS,
    restartTimer: null,
    csrfToken: null,
  };

  // Counters for tests and for anyone debugging from the browser console.
  const stats = { streamOpens: 0, streamErrors: 0, snapshots: 0 };
  window.ssekitDashboard = { stats };

  async function connect() {
    const generation = ++state.generation;
    closeSource();
    clearTimeout(state.restartTimer);
    let snapshot;
    try {
      snapshot = await fetchSnapshot();
    } catch (error) {
      if (generation === state.generation) {
        setConnection('reconnecting');
        scheduleRestart();
      }
      return;
    }
    if (generation !== state.generation) {
      return;
    }
    applySnapshot(snapshot, null);
    openStream(snapshot.last_event_id, generation);
  }

  function openStream(lastEventId, generation) {
    const params = new URLSearchParams();
    if (state.followed !== null) {
      params.append('video_id', state.followed);
    }
    if (lastEventId) {
      params.append('last_event_id', lastEventId);
    }
    // Without an id, events published between the snapshot and the stream's start would be
    // lost, so the page reads the snapshot once more when the stream is open.
    state.resyncOnOpen = !lastEventId;
    const query = params.toString();
    const source = new EventSource(query ? STREAM_URL + '?' + query : STREAM_URL);
    state.source = source;

    source.addEventListener('open', () => {
      if (generation !== state.generation) {
        return;
      }
      stats.streamOpens++;
      state.restartDelay = RESTART_MIN_MS;
      setConnection('connected');
      if (state.resyncOnOpen) {
        state.resyncOnOpen = false;
        resync(generation);
      }
    });

    source.addEventListener('error', () => {
      if (generation !== state.generation) {
        return;
      }
      stats.streamErrors++;
      setConnection('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        scheduleRestart();
        return;
      }
      // EventSource retries on its own; what replay cannot restore comes from the snapshot.
      state.resyncOnOpen = true;
    });

    source.addEventListener('video.status', (message) => {
      if (generation === state.generation) {
        applyEvent(message);
      }
    });

    source.addEventListener('stream.reset', () => {
      if (generation === state.generation) {
        resync(generation);
      }
    });
  }

  function closeSource() {
    if (state.source !== null) {
      state.source.close();
      state.source = null;
    }
  }

  function scheduleRestart() {
    closeSource();
    clearTimeout(state.restartTimer);
    const delay = state.restartDelay;
    state.restartDelay = Math.min(delay * 2, RESTART_MAX_MS);
    state.restartTimer = setTimeout(connect, delay);
  }

  async function resync(generation) {
    const mark = state.changes;
    let snapshot;
    try {
      snapshot = await fetchSnapshot();
    } catch (error) {
      showNotice('Could not reload the video list: ' + error.message);
      return;
    }
    if (generation === state.generation) {
      applySnapshot(snapshot, mark);
    }
  }

  async function fetchSnapshot() {
    const response = await fetch(VIDEOS_URL, {
      cache: 'no-store',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    if (!response.ok) {
      throw new Error('GET ' + VIDEOS_URL + ' returned ' + response.status);
    }
    const snapshot = await response.json();
    stats.snapshots++;
    hideNotice();
    return snapshot;
  }

  // Replaces the rows with the snapshot's, except rows that changed after change number
  // `mark` through an event newer than the snapshot. A null mark replaces every row.
  function applySnapshot(snapshot, mark) {
    const snapshotId = snapshot.last_event_id || null;
    const next = new Map();
    const videos = snapshot.videos.filter(isShown);
    // The snapshot lists the most recently updated video first; the first gets the top rank.
    for (let i = videos.length - 1; i >= 0; i--) {
      const data = videos[i];
      const shown = state.videos.get(data.video_id);
      next.set(data.video_id, {
        data,
        eventId: snapshotId,
        rank: shown ? shown.rank : ++state.topRank,
        change: 0,
      });
    }
    if (mark !== null) {
      for (const [videoId, shown] of state.videos) {
        if (shown.change > mark && isNewer(shown.eventId, snapshotId)) {
          next.set(videoId, shown);
        }
      }
    }
    state.videos = next;
    renderAll();
  }

  function applyEvent(message) {
    let data;
    try {
      data = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    if (data === null || typeof data.video_id !== 'string' || !isShown(data)) {
      return;
    }
    const eventId = message.lastEventId || null;
    const shown = state.videos.get(data.video_id);
    // A replayed event that the snapshot already covers.
    if (shown && eventId !== null && !isNewer(eventId, shown.eventId)) {
      return;
    }

    const entry = {
      data,
      eventId,
      rank: shown ? shown.rank : ++state.topRank,
      change: ++state.changes,
    };
    state.videos.set(data.video_id, entry);

    const row = state.rowsById.get(data.video_id);
    if (row) {
      fillRow(row, data);
    } else {
      const created = buildRow(data);
      state.rowsById.set(data.video_id, created);
      elements.rows.prepend(created);
    }
    updateEmpty();
  }

  function isShown(data) {
    return state.followed === null || data.video_id === state.followed;
  }

  // Event ids are "<millis>-<sequence>"; a missing id is older than any other.
  function isNewer(id, than) {
    if (!than) {
      return true;
    }
    if (!id) {
      return false;
    }
    const [idMillis, idSequence] = id.split('-').map(Number);
    const [thanMillis, thanSequence] = than.split('-').map(Number);
    return idMillis !== thanMillis ? idMillis > thanMillis : idSequence > thanSequence;
  }

  function renderAll() {
    const entries = [...state.videos.values()].sort((a, b) => b.rank - a.rank);
    state.rowsById = new Map();
    const rows = entries.map((entry) => {
      const row = buildRow(entry.data);
      state.rowsById.set(entry.data.video_id, row);
      return row;
    });
    elements.rows.replaceChildren(...rows);
    updateEmpty();
  }

  function buildRow(data) {
    const row = document.createElement('tr');
    row.dataset.videoId = data.video_id;

    const id = cell('video-id');
    id.textContent = data.video_id;

    const status = cell('status');
    const badge = document.createElement('span');
    badge.className = 'badge';
    status.append(badge);

    const progress = cell('progress');
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-label', 'Progress of ' + data.video_id);
    const fill = document.createElement('div');
    fill.className = 'fill';
    bar.append(fill);
    const percent = document.createElement('span');
    percent.className = 'percent';
    progress.append(bar, percent);

    const message = cell('message');
    const updated = cell('updated');
    const time = document.createElement('time');
    updated.append(time);

    const actions = cell('actions');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'remove';
    remove.textContent = 'Remove';
    remove.addEventListener('click', () => removeVideo(row.dataset.videoId, remove));
    actions.append(remove);

    row.append(id, status, progress, message, updated, actions);
    fillRow(row, data);
    return row;
  }

  function cell(className) {
    const td = document.createElement('td');
    td.className = className;
    return td;
  }

  function fillRow(row, data) {
    const status = typeof data.status === 'string' ? data.status : 'unknown';
    const percent = Math.max(0, Math.min(100, Number(data.progress) || 0));

    const badge = row.querySelector('.badge');
    badge.textContent = status;
    badge.dataset.status = status;

    const bar = row.querySelector('.bar');
    bar.setAttribute('aria-valuenow', String(percent));
    const fill = row.querySelector('.fill');
    fill.style.width = percent + '%';
    fill.dataset.status = status;
    row.querySelector('.percent').textContent = percent + '%';

    const message = row.querySelector('.message');
    message.textContent = data.error || data.message || '';
    message.classList.toggle('error', Boolean(data.error));

    const time = row.querySelector('time');
    const when = new Date(data.timestamp);
    const valid = !Number.isNaN(when.getTime());
    time.dateTime = valid ? when.toISOString() : '';
    time.textContent = valid ? when.toLocaleTimeString() : '';

    row.dataset.status = status;
    row.querySelector('.remove').hidden = !TERMINAL_STATUSES.has(status);
  }

  function updateEmpty() {
    elements.empty.hidden = state.videos.size > 0;
    elements.empty.textContent = state.followed === null
      ? 'No video has reported a status yet.'
      : 'No status for ' + state.followed + ' yet.';
  }

  async function removeVideo(videoId, button) {
    button.disabled = true;
    try {
      let response = await sendDelete(videoId, await csrfToken(false));
      if (response.status === 403) {
        // The session may have expired and taken its token along: fetch a new one, once.
        response = await sendDelete(videoId, await csrfToken(true));
      }
      if (response.status !== 204 && response.status !== 404) {
        throw new Error(await problemDetail(response));
      }
      state.videos.delete(videoId);
      const row = state.rowsById.get(videoId);
      if (row) {
        row.remove();
        state.rowsById.delete(videoId);
      }
      updateEmpty();
    } catch (error) {
      showNotice('Could not remove ' + videoId + ': ' + error.message);
      button.disabled = false;
    }
  }

  async function csrfToken(refresh) {
    if (state.csrfToken === null || refresh) {
      const response = await fetch(CSRF_URL, { cache: 'no-store', credentials: 'same-origin' });
      if (!response.ok) {
        throw new Error('GET ' + CSRF_URL + ' returned ' + response.status);
      }
      state.csrfToken = (await response.json()).csrf_token;
    }
    return state.csrfToken;
  }

  function sendDelete(videoId, token) {
    return fetch(VIDEOS_URL + '/' + encodeURIComponent(videoId), {
      method: 'DELETE',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': token },
    });
  }

  async function problemDetail(response) {
    try {
      const problem = await response.json();
      return problem.detail || 'status ' + response.status;
    } catch (error) {
      return 'status ' + response.status;
    }
  }

  function setConnection(name) {
    elements.connection.dataset.state = name;
    elements.connection.textContent = CONNECTION_LABELS[name];
  }

  function showNotice(text) {
    elements.notice.textContent = text;
    elements.notice.hidden = false;
  }

  function hideNotice() {
    elements.notice.hidden = true;
  }

  function follow(videoId) {
    state.followed = videoId;
    elements.showAll.disabled = videoId === null;
    elements.following.hidden = videoId === null;
    elements.following.textContent = videoId === null ? '' : 'Following ' + videoId + ' only.';
    const hash = videoId === null ? '' : '#video_id=' + encodeURIComponent(videoId);
    history.replaceState(null, '', location.pathname + location.search + hash);
    state.videos = new Map();
    renderAll();
    connect();
  }

  function followedFromHash() {
    const match = /^#video_id=(.+)$/.exec(location.hash);
    return match ? decodeURIComponent(match[1]) : null;
  }

  elements.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const videoId = elements.input.value.trim();
    follow(videoId === '' ? null : videoId);
  });

  elements.showAll.addEventListener('click', () => {
    elements.input.value = '';
    follow(null);
  });

  const initial = followedFromHash();
  elements.input.value = initial === null ? '' : initial;
  follow(initial);
})();
