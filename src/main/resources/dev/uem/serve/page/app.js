// The page of `uem serve`: rate movies or pick a dataset user, then show the model's genre prediction.
'use strict';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'uem-token';
const ratings = [];   // {movieId, title, rating}, oldest first: the order the model reads them in
let chosen = null;    // the search hit waiting for a rating
let searchSeq = 0;    // only the newest search or prediction may draw its answer
let predictSeq = 0;
let lastPredict = null;

/** Makes an element: el('li', {className: 'x', 'data-testid': 'y'}, child, 'text', ...). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k in e && !k.includes('-')) e[k] = v; else e.setAttribute(k, v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

const pct = (p) => p < 0.001 ? '<0.1%' : (100 * p).toFixed(p < 0.1 || p > 0.9 ? 1 : 0) + '%';
const bar = (share, kind) => el('span', {className: 'bar ' + kind, 'aria-hidden': 'true'},
  el('span', {style: `width:${Math.max(0, Math.min(1, share)) * 100}%`}));

function showMessage(text) {
  $('message').textContent = text;
  $('message').hidden = !text;
}

/** Calls the API; returns the JSON answer or throws an Error carrying the server's one-line error. */
async function api(path, body) {
  const headers = {Accept: 'application/json'};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {method: body ? 'POST' : 'GET', headers, body: body && JSON.stringify(body)});
  } catch (e) {
    throw new Error('cannot reach the server (' + e.message + ')');
  }
  const data = await res.json().catch(() => null);
  if (res.ok && data !== null) return data;
  if (res.status === 401) $('token-form').hidden = false;
  let text = (data && data.error) || `${res.status} ${res.statusText || 'error'}`;
  const after = res.headers.get('Retry-After');
  if (res.status === 503 && after) text += ` (try again in ${after} s)`;
  throw new Error(text);
}

async function search() {
  const seq = ++searchSeq;
  const q = $('search').value.trim();
  try {
    const hits = await api('/v1/movies?limit=20&q=' + encodeURIComponent(q));
    if (seq !== searchSeq) return;
    $('results').replaceChildren(...hits.map((m) => el('li', {},
      el('button', {type: 'button', className: 'result', 'data-testid': 'movie-result',
        'data-movie-id': m.id, 'aria-pressed': String(chosen?.id === m.id), onclick: () => choose(m)},
      el('span', {className: 'title'}, m.title),
      el('span', {className: 'genres'}, m.genres.join(', '))))));
    if (!hits.length) $('results').append(el('li', {className: 'hint'}, 'No movie matches every word.'));
    $('results').dataset.query = q;   // which search the list shows, for tests to wait on
    if ($('message').textContent.startsWith('Search failed')) showMessage('');
  } catch (e) {
    if (seq === searchSeq) showMessage('Search failed: ' + e.message);
  }
}

function choose(movie) {
  chosen = movie;
  for (const b of $('results').querySelectorAll('.result'))
    b.setAttribute('aria-pressed', String(b.dataset.movieId === String(movie.id)));
  $('chosen').textContent = movie.title;
  $('add').disabled = false;
  $('rating').focus();
}

function addRating() {
  if (!chosen) return;
  const i = ratings.findIndex((r) => r.movieId === chosen.id);
  if (i >= 0) ratings.splice(i, 1);   // rating a movie again makes it the newest rating
  ratings.push({movieId: chosen.id, title: chosen.title, rating: Number($('rating').value)});
  chosen = null;
  $('chosen').textContent = 'Pick a movie from the list.';
  $('add').disabled = true;
  for (const b of $('results').querySelectorAll('.result')) b.setAttribute('aria-pressed', 'false');
  renderRated();
  $('search').focus();
}

function renderRated() {
  $('rated').replaceChildren(...ratings.map((r, i) => el('li',
    {'data-testid': 'rated-movie', 'data-movie-id': r.movieId},
    el('span', {className: 'title'}, r.title),
    el('span', {className: 'stars', title: 'your rating'}, '★ ' + r.rating.toFixed(1)),
    el('button', {type: 'button', className: 'remove', 'aria-label': 'Remove ' + r.title,
      onclick: () => { ratings.splice(i, 1); renderRated(); }}, '×'))));
  $('rated-empty').hidden = ratings.length > 0;
}

function loadUser() {
  const id = $('user').value.trim();
  if (!/^\d+$/.test(id)) return failed('user id: expected a whole number, e.g. 1');
  history.replaceState(null, '', '?user=' + id);
  predict({userId: Number(id)}, ' of user ' + id);
}

function predictClicked() {
  if (ratings.length) {
    history.replaceState(null, '', location.pathname);
    return predict({ratings: ratings.map(({movieId, rating}) => ({movieId, rating}))}, '');
  }
  if ($('user').value.trim()) return loadUser();
  failed('Add at least one rating, or enter a dataset user id.');
}

/** Shows an error in the message area and in place of the sentence. */
function failed(text) {
  showMessage(text);
  const s = $('sentence');
  s.textContent = 'No prediction: ' + text;
  s.dataset.state = 'error';
}

async function predict(body, whose) {
  const seq = ++predictSeq;
  lastPredict = () => predict(body, whose);
  const s = $('sentence');
  s.dataset.state = 'loading';
  s.textContent = 'Predicting…';
  showMessage('');
  showPrediction(null);
  try {
    const p = await api('/v1/predict', body);
    if (seq !== predictSeq) return;
    s.textContent = p.sentence;
    showPrediction(p, whose);
    s.dataset.state = 'done';
  } catch (e) {
    if (seq === predictSeq) failed(e.message);
  }
}

/** Draws the chips, the "why" items and the score table of a prediction (clears them for null). */
function showPrediction(p, whose) {
  const score = (g) => (p.scores || {})[g];
  const chips = (genres, kind) => genres.length
    ? genres.map((g) => el('li', {className: 'chip'},
      el('span', {'data-testid': kind + '-genre'}, g),
      score(g) ? el('span', {className: 'score', title: kind + ' probability'}, pct(score(g)[kind])) : null))
    : [el('li', {className: 'none'}, 'none')];
  $('likes').replaceChildren(...(p ? chips(p.likes, 'like') : []));
  $('dislikes').replaceChildren(...(p ? chips(p.dislikes, 'dislike') : []));
  $('used').textContent = p ? `Based on the latest ${p.used} rating${p.used === 1 ? '' : 's'}${whose}.`
    + (p.parseable ? '' : ' The sentence did not follow the expected template.') : '';

  // per named genre, the rated movies the model weighed most for it
  const why = Object.entries(p ? p.why || {} : {});
  $('why').replaceChildren(...why.map(([g, items]) => el('div', {className: 'why-group'},
    el('h4', {}, g, el('span', {className: 'tag'}, p.likes.includes(g) ? 'liked' : 'disliked')),
    el('ul', {}, ...items.map((r) => el('li', {'data-testid': 'why-item'},
      el('span', {className: 'title'}, r.title),
      el('span', {className: 'stars', title: 'rating'}, '★ ' + r.rating.toFixed(1)),
      bar(r.weight, 'weight'),
      el('span', {className: 'num', title: 'weight'}, r.weight.toFixed(2))))))));
  if (p && !why.length) $('why').append(el('p', {className: 'hint'}, 'No genre named.'));

  // every genre, most liked first
  const rows = Object.entries(p ? p.scores || {} : {})
    .sort(([, a], [, b]) => (b.like - b.dislike) - (a.like - a.dislike));
  $('scores').replaceChildren(...rows.map(([g, s]) => el('tr',
    {className: p.likes.includes(g) || p.dislikes.includes(g) ? 'named' : ''},
    el('th', {scope: 'row'}, g),
    el('td', {}, bar(s.like, 'like'), el('span', {className: 'num'}, pct(s.like))),
    el('td', {}, bar(s.dislike, 'dislike'), el('span', {className: 'num'}, pct(s.dislike))))));
  $('all').hidden = !rows.length;
  $('detail').hidden = !p;
}

function init() {
  for (let r = 5; r >= 0.5; r -= 0.5)
    $('rating').append(el('option', {value: r.toFixed(1), selected: r === 4}, r.toFixed(1) + ' ★'));
  let timer;
  $('search').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  $('add').addEventListener('click', addRating);
  $('predict').addEventListener('click', predictClicked);
  $('user-form').addEventListener('submit', (e) => { e.preventDefault(); loadUser(); });
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token-form').hidden = true;
    showMessage('');
    search();
    if ($('sentence').dataset.state === 'error' && lastPredict) lastPredict();
  });
  renderRated();
  showPrediction(null);
  search();
  const user = new URLSearchParams(location.search).get('user');
  if (user) { $('user').value = user; loadUser(); }
}

init();
