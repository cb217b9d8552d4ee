'use strict';
// Composed image search: a plain page over the demo server's small JSON API, which sends {!cir} queries to Solr.
// The reference is a gallery image (by id), an uploaded file (sent to Solr as refImage), or none (a text search).

const state = { reference: null, image: null, expected: null, start: 0, rows: 48, filters: {}, facetLabels: {} };
const MODES = { combiner: 'Combiner', inversion: 'zero-shot', sum: 'sum', text: 'text only', image: 'more like this' };
const $ = (id) => document.getElementById(id);

async function api(path, options) {
  const res = await fetch(path, options);
  const body = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw new Error(body.error || ('HTTP ' + res.status));
  return body;
}

function status(message, isError) {
  const s = $('status');
  s.textContent = message || '';
  s.classList.toggle('error', !!isError);
}

function el(tag, attrs, children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'text') e.textContent = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children || []) e.appendChild(c);
  return e;
}

function describe(meta) {
  const parts = [];
  for (const [k, v] of Object.entries(meta || {})) parts.push((state.facetLabels[k] || k) + ': ' + (Array.isArray(v) ? v.join(', ') : v));
  return parts.join(' · ');
}

function showReference(src, label, meta) {
  const r = $('reference');
  r.classList.remove('empty');
  r.replaceChildren(
    el('img', { src: src, alt: 'reference ' + label, 'data-testid': 'reference-image' }),
    el('div', {}, [el('div', { text: label }), el('div', { class: 'meta', text: describe(meta) })]));
}

function selectReference(image) {
  state.reference = image.id;
  state.expected = null;
  state.image = null;
  for (const b of document.querySelectorAll('#gallery button')) b.classList.toggle('selected', b.dataset.id === image.id);
  showReference(image.url, image.id, image.meta);
  $('clear-reference').classList.remove('hidden');
}

function clearReference() {
  state.reference = null;
  state.image = null;
  state.expected = null;
  for (const b of document.querySelectorAll('#gallery button')) b.classList.remove('selected');
  const r = $('reference');
  r.classList.add('empty');
  r.replaceChildren(el('span', { class: 'hint', text: 'No reference: the search finds what the text describes.' }));
  $('clear-reference').classList.add('hidden');
}

// a result becomes the next reference: chain changes ("red" → "with short sleeves" → ...)
function refineFrom(hit) {
  selectReference(hit);
  $('text').value = '';
  $('text').focus();
  status('Reference: ' + hit.id + '. Say what should change next.');
}

async function loadGallery(more) {
  if (!more) { state.start = 0; $('gallery').replaceChildren(); }
  const g = await api('/api/gallery?start=' + state.start + '&rows=' + state.rows);
  for (const image of g.images) {
    $('gallery').appendChild(el('button', { type: 'button', title: image.id, 'data-id': image.id, onclick: () => selectReference(image) },
      [el('img', { src: image.url, alt: image.id, loading: 'lazy' })]));
  }
  state.start += g.images.length;
  $('gallery-count').textContent = state.start + ' of ' + g.total + ' images';
  $('gallery-more').classList.toggle('hidden', state.start >= g.total);
}

function renderFacets(facets) {
  const box = $('facets');
  box.replaceChildren();
  for (const [field, values] of Object.entries(facets)) {
    const group = el('div', { class: 'facet', 'data-field': field }, [el('h3', { text: state.facetLabels[field] || field })]);
    for (const { value, count } of values) {
      const checked = (state.filters[field] || []).includes(String(value));
      const input = el('input', { type: 'checkbox', value: String(value), 'data-testid': 'facet-' + field + '-' + value });
      input.checked = checked;
      input.addEventListener('change', () => {
        const list = new Set(state.filters[field] || []);
        if (input.checked) list.add(String(value)); else list.delete(String(value));
        state.filters[field] = [...list];
        if (state.reference || state.image || $('text').value.trim()) search();
      });
      group.appendChild(el('label', {}, [input, document.createTextNode(String(value)), el('span', { class: 'count', text: '(' + count + ')' })]));
    }
    box.appendChild(group);
  }
}

async function search(event) {
  if (event) event.preventDefault();
  const text = $('text').value.trim();
  if (!state.reference && !state.image && !text) { status('Choose a reference image, or type what you are looking for.', true); return; }
  const combine = document.querySelector('input[name=combine]:checked').value;
  $('search').disabled = true;
  status('Searching…');
  try {
    const r = await api('/api/search', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ reference: state.reference, image: state.image && state.image.data, imageName: state.image && state.image.name,
        text: text, combine: combine, filters: state.filters, rows: 12 })
    });
    renderResults(r);
    renderFacets(r.facets);
    let expected = '';
    if (state.expected) {
      const rank = r.results.findIndex((hit) => hit.id === state.expected);
      expected = rank >= 0 ? ' · the known target is #' + (rank + 1) : ' · the known target is not in the top ' + r.results.length;
    }
    status(r.results.length + ' results · ' + (MODES[r.mode] || r.mode) + ' · encode ' + r.timings.encodeMillis.toFixed(1) + ' ms · Solr '
      + r.timings.solrMillis.toFixed(1) + ' ms' + expected);
  } catch (e) {
    status(e.message, true);
  } finally {
    $('search').disabled = false;
  }
}

function renderResults(r) {
  const list = $('results');
  list.replaceChildren();
  r.results.forEach((hit, i) => {
    const isTarget = hit.id === state.expected;
    list.appendChild(el('li', { 'data-id': hit.id, 'data-testid': 'result', class: isTarget ? 'expected' : '' }, [
      el('img', { src: hit.url, alt: hit.id }),
      ...(isTarget ? [el('div', { class: 'badge', text: 'known target' })] : []),
      el('div', {}, [el('span', { class: 'rank', text: '#' + (i + 1) }), el('span', { class: 'score', text: hit.score.toFixed(4) })]),
      el('div', { class: 'tags', text: hit.id }),
      el('div', { class: 'tags', text: describe(hit.meta) }),
      el('button', { type: 'button', class: 'link refine', 'data-testid': 'refine', title: 'use this image as the reference',
        onclick: () => refineFrom(hit), text: 'refine from this' })]));
  });
  const lambda = r.lambda;
  $('lambda').classList.toggle('hidden', lambda === null || lambda === undefined);
  if (lambda !== null && lambda !== undefined) {
    $('lambda-text').textContent = 'text ' + (100 * lambda).toFixed(0) + '% · image ' + (100 * (1 - lambda)).toFixed(0) + '% (λ = ' + lambda.toFixed(3) + ')';
    $('lambda-bar-text').style.width = (100 * lambda) + '%';
    $('lambda-bar-image').style.width = (100 * (1 - lambda)) + '%';
  }
  $('debug').classList.remove('hidden');
  $('debug-request').textContent = Object.entries(r.solrParams).map(([k, v]) => k + '=' + v).join('\n');
}

// the file goes to Solr with each search, as refImage: nothing is encoded before
function upload() {
  const file = $('upload').files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    state.image = { data: reader.result, name: file.name };
    state.reference = null;
    state.expected = null;
    for (const b of document.querySelectorAll('#gallery button')) b.classList.remove('selected');
    showReference(URL.createObjectURL(file), file.name + ' (uploaded)', {});
    $('clear-reference').classList.remove('hidden');
    status('Uploaded ' + file.name + '. Now say what should change.');
  };
  reader.onerror = () => status('Cannot read ' + file.name + ': ' + reader.error, true);
  reader.readAsDataURL(file);
}

async function init() {
  try {
    const info = await api('/api/info');
    state.facetLabels = info.facetLabels || {};
    for (const ex of info.examples || []) {
      $('examples').appendChild(el('button', { type: 'button', text: ex.text, title: 'reference ' + ex.reference, onclick: async () => {
        selectReference({ id: ex.reference, url: ex.referenceUrl, meta: ex.referenceMeta });
        $('text').value = ex.text;
        state.expected = ex.target;
        await search();
      } }));
    }
    $('zero-shot').classList.toggle('hidden', !info.hasInversion);
    if (!info.hasCombiner) document.querySelector(info.hasInversion ? 'input[value=inversion]' : 'input[value=sum]').checked = true;
    renderFacets(info.facets);
    await loadGallery(false);
    status('Ready: ' + info.galleryCount + ' images indexed with ' + info.bundle + '.');
  } catch (e) {
    status('The demo server did not answer: ' + e.message, true);
  }
}

$('search-form').addEventListener('submit', search);
$('gallery-more').addEventListener('click', () => loadGallery(true));
$('upload').addEventListener('change', upload);
$('text').addEventListener('input', () => { state.expected = null; });
$('clear-reference').addEventListener('click', clearReference);
$('clear-filters').addEventListener('click', () => { state.filters = {}; for (const c of document.querySelectorAll('#facets input')) c.checked = false; if (state.reference || state.image || $('text').value.trim()) search(); });
init();
