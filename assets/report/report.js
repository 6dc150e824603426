// trailmask report: reads the embedded report data (v1), draws the mask graph with cytoscape.js
// in a deterministic layered layout (one band per account, chains read left to right), and
// fills the chains, services, edges, hand-overs and summary tables. Hand-over edges (a passer
// handing a role to a service, `"kind": "passrole"`) are drawn dashed and blue with a hollow
// arrowhead, dotted and grey when every call was refused. Every string from the data (and so
// from logs) reaches the DOM through textContent or cytoscape data, never as markup.
(function () {
  'use strict';

  // Kinds that belong to no account box, as in the DOT: AWS services. An identity provider
  // sits in the box of the account that registered it, beside the roles it enters.
  const NO_ACCOUNT = new Set(['aws-service']);
  const MAX_LABEL = 34;
  const MAX_ROWS = 5000;
  const GROUP_PREFIX = 'trailmask-group:';
  const FONT = 'Helvetica, Arial, sans-serif';
  // Hand-over edges, as the DOT draws them.
  const HAND_OVER = '#1c7ed6';
  const REFUSED = '#6c757d';
  // Layout spacing, in model pixels.
  const ROW = 34;
  const COL_GAP = 18;
  const LAYER_GAP = 40;
  const BOX_PAD = 12;
  const BOX_LABEL = 18;
  const BLOCK_GAP = 70;
  // Room between a role that services enter and the line to the next one below it, and the
  // most steps of such a staircase (past a handful, a diagonal across the page reads worse
  // than the lines that cross a column).
  const STAIR_GAP = 24;
  const STAIR_MAX = 6;
  // The most edges for which lines that run through a node bend around it.
  const DETOUR_MAX_EDGES = 1000;
  const BLOCK_ASPECT = 1.4;
  const TARGET_ASPECT = 1.75;
  // The most AWS services side by side in a row of their block.
  const SERVICES_PER_ROW = 8;
  // Blocks of at most this many nodes are never flattened into one wrapped layer.
  const SMALL_BLOCK = 12;

  const hook = { ready: false, readyMs: null, error: null };
  window.trailmaskReport = hook;

  // Control, invisible and reordering characters are shown as escapes, the same set as the
  // CLI's tables (`export::table::needs_escape`; tag characters beyond the Basic Multilingual
  // Plane among them, hence the `u` flag and code points), so a name can neither hide nor
  // reorder what is drawn around it, nor pass for another.
  const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;
  function visible(value) {
    return String(value).replace(INVISIBLE, (c) => '\\u{' + c.codePointAt(0).toString(16) + '}');
  }
  function shorten(text, max) {
    const chars = Array.from(text);
    return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '\u2026';
  }
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  // An element holding `text` with a line break allowed after each `/`, `:`, `@` and `#`: an
  // ARN wraps between its parts, not inside a name (a new user's first hour, session 36:
  // `role/Admi` then `n`). A name longer than the line still wraps where it must (CSS).
  function breakable(tag, text) {
    const node = document.createElement(tag);
    for (const part of text.split(/(?<=[/:@#])/)) {
      if (node.firstChild) node.appendChild(document.createElement('wbr'));
      node.appendChild(document.createTextNode(part));
    }
    return node;
  }

  const data = JSON.parse(document.getElementById('trailmask-data').textContent);
  const accountNames = data.accounts || {};
  const namesGiven = Object.keys(accountNames).length > 0;
  const graphNodes = (data.graph && data.graph.nodes) || [];
  const graphEdges = (data.graph && data.graph.edges) || [];
  const chains = data.chains || [];
  const nodeById = new Map(graphNodes.map((n) => [n.id, n]));

  function accountLabel(id) {
    return accountNames[id] ? id + ' ' + accountNames[id] : id;
  }
  const accountLevel = data.level === 'account';
  // The account box a node is drawn in ('' for none): at account level too, each account's
  // node in its box beside the identity providers it registered, as the DOT draws them.
  function groupOf(node) {
    if (NO_ACCOUNT.has(node.kind)) return '';
    if (!accountLevel && node.kind === 'account') return '';
    return node.account || '';
  }
  // At account level, an account's own hops and hand-overs (edges from it to itself) are
  // said under its name, as the DOT says them, not drawn as loops: the picture is of the
  // hops between accounts.
  function isOwn(edge) {
    return accountLevel && edge.source === edge.target;
  }

  // ---- Layout: layers by chain position, bands by account -------------------------------

  const measure = document.createElement('canvas').getContext('2d');
  measure.font = '10px ' + FONT;
  function nodeSize(kind, lines) {
    // Measured at 10px; an account (account level) is drawn at 12px.
    const scale = kind === 'account' ? 1.2 : 1;
    const text = scale * Math.max(...lines.map((line) => measure.measureText(line).width));
    const roomy = kind === 'iam-user' || kind === 'aws-service' || kind === 'root' || kind === 'federated-user';
    return {
      w: Math.round(Math.min(320 * scale, Math.max(56, text * (roomy ? 1.3 : 1) + 20))),
      h: Math.round(scale * (12 + 12 * lines.length)),
      tw: Math.round(text + 4),
    };
  }

  // Layers of a directed graph on nodes 0..n-1: cycles are broken by a depth-first search
  // (sources first, then data order), then each node goes one layer after its furthest
  // predecessor, and a source moves up to just before its nearest successor.
  function layers(n, pairs) {
    const out = Array.from({ length: n }, () => []);
    const hasIn = new Uint8Array(n);
    for (const [s, t] of pairs) {
      if (s === t) continue;
      out[s].push(t);
      hasIn[t] = 1;
    }
    const state = new Uint8Array(n);
    const back = new Set();
    const roots = [];
    for (let i = 0; i < n; i++) if (!hasIn[i]) roots.push(i);
    for (let i = 0; i < n; i++) if (hasIn[i]) roots.push(i);
    for (const root of roots) {
      if (state[root]) continue;
      state[root] = 1;
      const stack = [[root, 0]];
      while (stack.length) {
        const top = stack[stack.length - 1];
        const v = top[0];
        if (top[1] < out[v].length) {
          const w = out[v][top[1]++];
          if (state[w] === 1) back.add(v * n + w);
          else if (state[w] === 0) {
            state[w] = 1;
            stack.push([w, 0]);
          }
        } else {
          state[v] = 2;
          stack.pop();
        }
      }
    }
    const fwd = out.map((ts, s) => ts.filter((t) => !back.has(s * n + t)));
    const indeg = new Array(n).fill(0);
    fwd.forEach((ts) => ts.forEach((t) => indeg[t]++));
    const isSource = indeg.map((d) => d === 0);
    const rank = new Array(n).fill(0);
    const queue = [];
    for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
    for (let q = 0; q < queue.length; q++) {
      const v = queue[q];
      for (const w of fwd[v]) {
        rank[w] = Math.max(rank[w], rank[v] + 1);
        if (--indeg[w] === 0) queue.push(w);
      }
    }
    for (let v = 0; v < n; v++) {
      if (isSource[v] && fwd[v].length) rank[v] = Math.max(0, Math.min(...fwd[v].map((w) => rank[w])) - 1);
    }
    return rank;
  }

  // Positions for every node. Each account is a box: inside it, the account's own hops read
  // left to right in layers (each layer ordered by the barycentre of its neighbours, and
  // wrapped into sub-columns so the box stays compact; an identity provider is in the box of
  // the account that registered it); AWS services form a row, one more block without a box,
  // and pull the roles they enter to the top of their layers. The blocks go in flow order
  // (the accounts that others are entered from first) onto shelves, left to right, whose
  // width gives the whole drawing a screen-like shape. No randomness: the same data, the same
  // picture.
  // `nodes` and `edges` (every node and edge, or what the filters show: the drawing is laid
  // out again for them) with `sizes` one per node.
  function layout(sizes, nodes = graphNodes, edges = graphEdges) {
    const n = nodes.length;
    const index = new Map(nodes.map((node, i) => [node.id, i]));
    const groups = nodes.map(groupOf);
    const names = [...new Set(groups)];
    const gi = new Map(names.map((g, i) => [g, i]));
    const members = names.map(() => []);
    groups.forEach((g, i) => members[gi.get(g)].push(i));
    const pairs = [];
    for (const edge of edges) {
      const s = index.get(edge.source);
      const t = index.get(edge.target);
      if (s !== undefined && t !== undefined && s !== t) pairs.push([s, t]);
    }
    // Inside each block: layers of its own hops (hops between blocks do not count).
    const rank = layers(n, pairs.filter(([s, t]) => groups[s] === groups[t]));
    const near = Array.from({ length: n }, () => []);
    // Hops into a box from the AWS services, whose block goes first (above or left of the
    // boxes): they pull the role they enter to the top of its layer, so their lines come in
    // without crossing the roles below it.
    const fromServices = new Array(n).fill(0);
    for (const [s, t] of pairs) {
      if (groups[s] !== groups[t]) {
        if (groups[s] === '' && groups[t] !== '') fromServices[t]++;
        continue;
      }
      near[s].push(t);
      near[t].push(s);
    }
    // Room between layers: a hand-over inside a block is labelled between two of its layers,
    // and its label is wider than a hop's count.
    const gaps = names.map(() => LAYER_GAP);
    measure.font = '9px ' + FONT;
    for (const edge of edges) {
      const s = index.get(edge.source);
      const t = index.get(edge.target);
      if (!isHandOver(edge) || s === undefined || t === undefined || groups[s] !== groups[t]) continue;
      const b = gi.get(groups[s]);
      gaps[b] = Math.max(gaps[b], Math.ceil(measure.measureText(edgeLabel(edge)).width) + 24);
    }
    measure.font = '10px ' + FONT;
    const blocks = members.map((list, b) => {
      const gap = gaps[b];
      const ranks = Math.max(...list.map((v) => rank[v])) + 1;
      const cells = Array.from({ length: ranks }, () => []);
      for (const v of list) cells[rank[v]].push(v);
      // The layers ordered by barycentre sweeps; a hop from a service counts as a neighbour
      // above every layer.
      sweep(cells, near, (v) => [-fromServices[v], fromServices[v]]);
      // The roles of a layer that services enter, on top after the sweep: each one after the
      // first (up to STAIR_MAX) steps right of the one above it by half that one's width (a
      // column of them made every line from the services but the first cross the roles above
      // its own). `stairs[r]` holds those steps' offsets, one a role.
      const stairs = cells.map((cell) => {
        if (names[b] === '') return [];
        const offsets = [];
        for (let p = 0; p < Math.min(cell.length, STAIR_MAX) && fromServices[cell[p]] > 0; p++) {
          offsets.push(p === 0 ? 0 : offsets[p - 1] + sizes[cell[p - 1]].w / 2 + STAIR_GAP);
        }
        return offsets.length >= 2 ? offsets : [];
      });
      // The width a layer's staircase adds when its first sub-column has `limit` rows.
      const stairWidth = (r, limit) => {
        const steps = Math.min(stairs[r].length, limit);
        return steps ? stairs[r][steps - 1] : 0;
      };
      let colWidth = cells.map((cell) => Math.max(...cell.map((v) => sizes[v].w)) + COL_GAP);
      let tallest = Math.max(...cells.map((c) => c.length));
      // Too many layers for a compact box (long chains inside one account): one layer, in
      // layer order, wrapped like the others. A small box keeps its layers: a dozen nodes
      // read best left to right (a passer before the role it hands over, as in the DOT).
      const flat = list.length;
      if (ranks > 2 && flat > SMALL_BLOCK && colWidth.reduce((a, w) => a + w + gap, 0) > 2.5 * BLOCK_ASPECT * Math.sqrt(flat) * ROW) {
        const all = cells.flat();
        cells.length = 0;
        cells.push(all);
        stairs.length = 0;
        stairs.push([]);
        colWidth = [Math.max(...colWidth)];
        tallest = all.length;
      }
      const shape = (limit) => {
        const width = cells.reduce((a, c, r) => a + Math.ceil(c.length / limit) * colWidth[r] + stairWidth(r, limit), 0) + gap * (cells.length - 1);
        return { width, height: Math.min(tallest, limit) * ROW };
      };
      let limit = tallest;
      let best = Infinity;
      for (let l = tallest; l >= 1; l--) {
        const { width, height } = shape(l);
        const score = Math.abs(Math.log(width / height / BLOCK_ASPECT));
        if (score < best - 1e-9) {
          best = score;
          limit = l;
        }
      }
      // The services' block is a row (rows of up to eight), above or left of the boxes: the
      // lines from a column of services ran through the services below each.
      if (names[b] === '') limit = Math.ceil(list.length / SERVICES_PER_ROW);
      const { width, height } = shape(limit);
      const boxed = names[b] !== '';
      return {
        name: names[b],
        cells,
        stairs,
        stairWidth,
        limit,
        gap,
        colWidth,
        inner: { width, height },
        width: width + (boxed ? 2 * BOX_PAD : 0),
        height: height + (boxed ? 2 * BOX_PAD + BOX_LABEL : 0),
        top: boxed ? BOX_PAD + BOX_LABEL : 0,
        left: boxed ? BOX_PAD : 0,
      };
    });
    // Flow order of the blocks: layers of the graph between blocks, services first.
    const between = [];
    for (const [s, t] of pairs) if (groups[s] !== groups[t]) between.push([gi.get(groups[s]), gi.get(groups[t])]);
    const blockRank = layers(names.length, between);
    const order = names.map((_, b) => b).sort((a, b) =>
      (names[a] === '' ? -1 : 0) - (names[b] === '' ? -1 : 0) ||
      blockRank[a] - blockRank[b] ||
      (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
    // Shelves: try each width that some prefix of blocks gives, keep the best shape.
    const shelve = (maxWidth) => {
      const shelves = [];
      let shelf = null;
      for (const b of order) {
        const block = blocks[b];
        if (!shelf || (shelf.width > 0 && shelf.width + BLOCK_GAP + block.width > maxWidth)) {
          shelf = { blocks: [], width: 0, height: 0 };
          shelves.push(shelf);
        }
        shelf.width += (shelf.blocks.length ? BLOCK_GAP : 0) + block.width;
        shelf.height = Math.max(shelf.height, block.height);
        shelf.blocks.push(b);
      }
      const width = Math.max(...shelves.map((s) => s.width));
      const height = shelves.reduce((a, s) => a + s.height, 0) + BLOCK_GAP * (shelves.length - 1);
      return { shelves, width, height };
    };
    let packed = null;
    let bestScore = Infinity;
    const widest = Math.max(...blocks.map((b) => b.width));
    const total = blocks.reduce((a, b) => a + b.width + BLOCK_GAP, 0);
    for (let w = widest; w <= total; w += Math.max(20, (total - widest) / 200)) {
      const p = shelve(w);
      const score = Math.abs(Math.log(p.width / p.height / TARGET_ASPECT));
      if (score < bestScore - 1e-9) {
        bestScore = score;
        packed = p;
      }
    }
    if (!packed) packed = shelve(total);
    const positions = place(packed, blocks, n);
    // The services' places, dealt out again in the order of where their lines go (the mean x
    // of the roles each enters), so that their lines fan out instead of crossing.
    const services = gi.has('') ? blocks[gi.get('')].cells.flat() : [];
    const sums = new Map(services.map((v) => [v, [0, 0]]));
    for (const [s, t] of pairs) {
      const sum = sums.get(s);
      if (sum && groups[t] !== '') {
        sum[0] += positions[t].x;
        sum[1]++;
      }
    }
    const meanX = new Map(services.map((v) => {
      const [sum, count] = sums.get(v);
      return [v, count ? sum / count : positions[v].x];
    }));
    const slots = services.map((v) => positions[v]).sort((a, b) => a.x - b.x || a.y - b.y);
    [...services].sort((a, b) => meanX.get(a) - meanX.get(b) || a - b)
      .forEach((v, i) => { positions[v] = slots[i]; });
    return positions;
  }

  // Barycentre sweeps: each layer of `cells` ordered by the mean place of its nodes'
  // neighbours in the block (`near`, places counted from each layer's middle) and of their
  // pulls from outside it (`pull(v)`: [sum, count] in units of the tallest layer's height:
  // -1 well above every layer, +1 well below). Ties keep the node order: no randomness.
  function sweep(cells, near, pull) {
    const pos = new Map();
    cells.forEach((cell) => cell.forEach((v, p) => pos.set(v, p - cell.length / 2)));
    const far = Math.max(...cells.map((cell) => cell.length));
    const pulled = cells.some((cell) => cell.some((v) => pull(v)[1] > 0));
    if (cells.length < 2 && !pulled) return;
    for (let round = 0; round < 6; round++) {
      for (const cell of cells) {
        const key = new Map(cell.map((v) => {
          const others = near[v];
          const [pullSum, pullCount] = pull(v);
          const count = others.length + pullCount;
          const sum = others.reduce((a, w) => a + pos.get(w), 0) + pullSum * far;
          return [v, count ? sum / count : pos.get(v)];
        }));
        cell.sort((p, q) => key.get(p) - key.get(q) || p - q);
        cell.forEach((v, p) => pos.set(v, p - cell.length / 2));
      }
    }
  }

  // The position of every node of `blocks` packed onto shelves (`packed`), each layer of a
  // block in its order, wrapped into sub-columns of the block's row limit.
  function place(packed, blocks, n) {
    const positions = new Array(n);
    let y0 = 0;
    for (const shelf of packed.shelves) {
      // Each shelf is centred across the widest one; each block sits at the shelf's middle.
      let x0 = (packed.width - shelf.width) / 2;
      for (const b of shelf.blocks) {
        const block = blocks[b];
        const left = x0 + block.left;
        const top = y0 + (shelf.height - block.height) / 2 + block.top;
        let x = left;
        block.cells.forEach((cell, r) => {
          const cols = Math.ceil(cell.length / block.limit);
          const w = block.colWidth[r];
          const stair = block.stairWidth(r, block.limit);
          cell.forEach((v, p) => {
            const col = Math.floor(p / block.limit);
            const inCol = Math.min(block.limit, cell.length - col * block.limit);
            const step = col === 0 && p < block.stairs[r].length ? block.stairs[r][p] : 0;
            positions[v] = {
              x: x + col * w + (col > 0 ? stair : 0) + step + w / 2,
              y: top + ((block.inner.height - inCol * ROW) / 2) + (p % block.limit) * ROW + ROW / 2,
            };
          });
          x += cols * w + stair + block.gap;
        });
        x0 += block.width + BLOCK_GAP;
      }
      y0 += shelf.height + BLOCK_GAP;
    }
    return positions;
  }

  // ---- Graph elements and style ---------------------------------------------------------

  function nodeLines(node) {
    const lines = [shorten(visible(node.label || node.name || node.id), MAX_LABEL)];
    const subjects = node.subjects || [];
    if ((node.kind === 'saml' || node.kind === 'web-identity') && subjects.length) {
      let line = shorten(visible(subjects[0]), MAX_LABEL);
      if (subjects.length > 1) line += ' (+' + (subjects.length - 1) + ')';
      lines.push(line);
    }
    return lines.concat(ownLines.get(node.id) || []);
  }

  // `3 roles`, `5 roles and 1 federated user`: what an account-level edge's hops entered.
  function masksText(edge) {
    const parts = [[edge.roles, 'role'], [edge.account_roots, 'account root'], [edge.federated_users, 'federated user']]
      .filter(([count]) => count > 0)
      .map(([count, noun]) => plural(count, noun));
    return parts.length > 1 ? parts.slice(0, -1).join(', ') + ' and ' + parts[parts.length - 1] : parts.join('');
  }
  // ` (12 refused)`, ` (all refused)` or nothing.
  function hopsRefused(edge) {
    if (edge.failures === 0) return '';
    return edge.successes === 0 ? ' (all refused)' : ' (' + edge.failures + ' refused)';
  }
  // `12 hops (1 refused), 3 roles`: an edge of hops at account level (with ` inside` for an
  // account's own).
  function hopsText(edge, inside) {
    const masks = masksText(edge);
    return plural(edge.count, 'hop') + (inside ? ' inside' : '') + hopsRefused(edge) + (masks ? ', ' + masks : '');
  }
  // Each account's own hops and hand-overs, as lines under its name (account level).
  const ownLines = new Map();
  {
    const handOvers = new Map();
    for (const edge of graphEdges) {
      if (!isOwn(edge)) continue;
      if (isHandOver(edge)) {
        if (!handOvers.has(edge.source)) handOvers.set(edge.source, []);
        handOvers.get(edge.source).push(edge);
      } else {
        if (!ownLines.has(edge.source)) ownLines.set(edge.source, []);
        ownLines.get(edge.source).push(hopsText(edge, true));
      }
    }
    for (const [id, edges] of handOvers) {
      const count = edges.reduce((a, e) => a + e.count, 0);
      const failures = edges.reduce((a, e) => a + e.failures, 0);
      const to = edges.length === 1 ? shortService(edges[0].service) : plural(edges.length, 'service');
      let text = plural(count, 'hand-over') + ' inside to ' + to;
      if (failures > 0) text += ' (' + failures + ' refused)';
      if (!ownLines.has(id)) ownLines.set(id, []);
      ownLines.get(id).push(text);
    }
  }

  function plural(count, noun) {
    return count + ' ' + noun + (count === 1 ? '' : 's');
  }
  function isHandOver(edge) {
    return edge.kind === 'passrole';
  }
  // A service principal by its short name, as the DOT writes it: `ec2` for `ec2.amazonaws.com`.
  function shortService(principal) {
    const text = String(principal || '');
    return visible(text.replace(/(.)\.amazonaws\.com(\.cn)?$/, '$1'));
  }
  // `passes to ec2 (3, 1 refused)`: as the DOT labels it, the service by its short name (the
  // selection shows the principal).
  function handOverLabel(edge) {
    const service = shortService(edge.service);
    let label = edge.roles > 0 ? 'passes ' + plural(edge.roles, 'role') + ' to ' + service : 'passes to ' + service;
    if (edge.failures === 0) label += ' (' + edge.count + ')';
    else if (edge.successes === 0) label += ' (' + edge.failures + ' refused)';
    else label += ' (' + edge.count + ', ' + edge.failures + ' refused)';
    if (edge.external) label += ' external';
    else if (edge.cross_account) label += ' cross-account';
    return label;
  }

  function edgeLabel(edge) {
    if (isHandOver(edge)) return handOverLabel(edge);
    if (accountLevel) return hopsText(edge, false) + (edge.external ? ' external' : '');
    let label = String(edge.count);
    if (edge.successes === 0) label += ' refused';
    else if (edge.failures > 0) label += ' (' + edge.failures + ' refused)';
    if (edge.external) label += ' external';
    return label;
  }

  function buildElements() {
    const sizes = graphNodes.map((node) => nodeSize(node.kind, nodeLines(node)));
    const positions = layout(sizes);
    // Kept to lay the drawing out again for what the filters show, and back.
    state.sizes = sizes;
    // (Copied: cytoscape keeps the objects it is given as the nodes' own positions.)
    state.home = positions.map((p) => ({ x: p.x, y: p.y }));
    const elements = [];
    const groups = new Set();
    graphNodes.forEach((node) => {
      const g = groupOf(node);
      if (g) groups.add(g);
    });
    for (const g of [...groups].sort()) {
      const outside = namesGiven && !accountNames[g];
      elements.push({
        group: 'nodes',
        data: {
          id: GROUP_PREFIX + g,
          label: visible(accountLabel(g)) + (outside ? ' (outside --accounts)' : ''),
          isGroup: true,
          outside,
        },
        selectable: false,
      });
    }
    graphNodes.forEach((node, i) => {
      const lines = nodeLines(node);
      const g = groupOf(node);
      const item = {
        id: node.id,
        label: lines.join('\n'),
        kind: node.kind,
        w: sizes[i].w,
        h: sizes[i].h,
        tw: sizes[i].tw,
      };
      if (g) item.parent = GROUP_PREFIX + g;
      elements.push({ group: 'nodes', data: item, position: positions[i] });
    });
    const detours = detoursAround(positions, sizes);
    state.homeDetours = detours;
    graphEdges.forEach((edge, i) => {
      if (!nodeById.has(edge.source) || !nodeById.has(edge.target) || isOwn(edge)) return;
      const detour = detours.get(i);
      elements.push({
        group: 'edges',
        data: {
          id: 'edge-' + i,
          index: i,
          source: edge.source,
          target: edge.target,
          label: edgeLabel(edge),
          cross: !!edge.cross_account,
          external: !!edge.external,
          failedOnly: edge.successes === 0,
          handOver: isHandOver(edge),
          ...(detour === undefined ? {} : { detour }),
        },
      });
    });
    return elements;
  }

  // Edges whose straight line runs through other nodes (three boxes in a row, a role
  // between two others): each may bend around them, on either side, by a curve through one
  // control point at `detour` model pixels from the line's middle (cytoscape's
  // `control-point-distances`: to the right of the line from source to target). Of the
  // straight line and the bends that clear each node met, or all of them on one side, the one
  // that runs through the fewest nodes is drawn (the straight line on a tie, else the least
  // bend). Edge index -> distance.
  function detoursAround(positions, sizes, nodes = graphNodes, edges = graphEdges) {
    const index = new Map(nodes.map((node, i) => [node.id, i]));
    const boxes = positions.map((p, v) => ({ x: p.x, y: p.y, hw: sizes[v].w / 2 + 4, hh: sizes[v].h / 2 + 4 }));
    // How many boxes (but the ends') the path through `points` runs through: those that
    // overlap its bounding box are tried piece by piece (a large graph has thousands).
    const blocked = (points, s, t) => {
      const xs = points.map((p) => p.x);
      const ys = points.map((p) => p.y);
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      let count = 0;
      boxes.forEach((box, v) => {
        if (v === s || v === t || box.x + box.hw < x0 || box.x - box.hw > x1 || box.y + box.hh < y0 || box.y - box.hh > y1) return;
        if (points.some((p, k) => k > 0 && segmentMeetsBox(points[k - 1], p, box))) count++;
      });
      return count;
    };
    const detours = new Map();
    // Past a thousand edges, lines cross nodes by the thousand whatever bends: the time the
    // bends take (seconds at 4,000 edges) buys nothing.
    if (edges.length > DETOUR_MAX_EDGES) return detours;
    edges.forEach((edge, e) => {
      const s = index.get(edge.source);
      const t = index.get(edge.target);
      if (s === undefined || t === undefined || s === t) return;
      const a = positions[s];
      const b = positions[t];
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const length = Math.hypot(dx, dy);
      if (length < 1) return;
      // The nodes the line meets: where along it each centre falls, how far to the right of
      // it, and its half-extent across it.
      const met = [];
      boxes.forEach((box, v) => {
        if (v === s || v === t) return;
        const along = ((box.x - a.x) * dx + (box.y - a.y) * dy) / (length * length);
        if (along <= 0.02 || along >= 0.98) return;
        const off = ((box.x - a.x) * -dy + (box.y - a.y) * dx) / length;
        const reach = (Math.abs(dy) * box.hw + Math.abs(dx) * box.hh) / length;
        if (Math.abs(off) < reach) met.push({ along, off, reach });
      });
      if (!met.length) return;
      // A quadratic curve is 2·along·(1−along) of its control point's distance off the line
      // at `along`: the distances that clear each node met by 10 px on either side, and the
      // ones that clear them all on one side (a line through two nodes in a row: a new user's
      // first hour, session 36, saw Deployer -> DataReader drawn through WebServerRole).
      const rights = met.map(({ along, off, reach }) => (off + reach + 10) / (2 * along * (1 - along)));
      const lefts = met.map(({ along, off, reach }) => (off - reach - 10) / (2 * along * (1 - along)));
      const candidates = [...new Set([...rights, ...lefts, Math.max(...rights), Math.min(...lefts)])];
      const curve = (distance) => {
        const c = { x: (a.x + b.x) / 2 - (dy / length) * distance, y: (a.y + b.y) / 2 + (dx / length) * distance };
        const points = [];
        for (let k = 0; k <= 24; k++) {
          const q = k / 24;
          const u = 1 - q;
          points.push({ x: u * u * a.x + 2 * u * q * c.x + q * q * b.x, y: u * u * a.y + 2 * u * q * c.y + q * q * b.y });
        }
        return points;
      };
      // The fewest nodes crossed, then the least bend.
      let best = { distance: 0, crossed: blocked([a, b], s, t) };
      for (const distance of candidates) {
        if (Math.abs(distance) > 400) continue;
        const crossed = blocked(curve(distance), s, t);
        if (crossed < best.crossed || (crossed === best.crossed && best.distance !== 0 && Math.abs(distance) < Math.abs(best.distance))) best = { distance, crossed };
      }
      if (best.distance !== 0) detours.set(e, Math.round(best.distance));
    });
    return detours;
  }

  // True when the segment a-b runs through the box (centre x, y; half-extents hw, hh):
  // Liang-Barsky clipping.
  function segmentMeetsBox(a, b, box) {
    let t0 = 0;
    let t1 = 1;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const clips = [[-dx, a.x - (box.x - box.hw)], [dx, box.x + box.hw - a.x], [-dy, a.y - (box.y - box.hh)], [dy, box.y + box.hh - a.y]];
    for (const [q, r] of clips) {
      if (q === 0) {
        if (r < 0) return false;
      } else {
        const t = r / q;
        if (q < 0) t0 = Math.max(t0, t);
        else t1 = Math.min(t1, t);
      }
    }
    return t0 < t1;
  }

  const KIND_STYLE = {
    'iam-user': { shape: 'ellipse', 'background-color': '#dae8fc' },
    root: { shape: 'octagon', 'background-color': '#f8cecc', 'border-style': 'double', 'border-width': 3 },
    'aws-service': { shape: 'hexagon', 'background-color': '#d5e8d4' },
    saml: { shape: 'cut-rectangle', 'background-color': '#e1d5e7' },
    'web-identity': { shape: 'cut-rectangle', 'background-color': '#e1d5e7' },
    'aws-account': {
      shape: 'polygon',
      'shape-polygon-points': '-1 1 -1 -0.35 0 -1 1 -0.35 1 1',
      'background-color': '#ffe6cc',
    },
    'federated-user': { shape: 'ellipse', 'background-color': '#eef4ff', 'border-style': 'dashed' },
    role: { shape: 'round-rectangle', 'background-color': '#fff2cc' },
    session: { shape: 'rectangle', 'background-color': '#f5f5f5' },
    account: { shape: 'round-rectangle', 'background-color': '#f0f0f0', 'font-size': 12 },
    unknown: { shape: 'rectangle', 'background-color': '#ffffff', 'border-style': 'dotted' },
  };

  function graphStyle() {
    const style = [
      {
        selector: 'node',
        style: {
          label: 'data(label)',
          'font-family': FONT,
          'font-size': 10,
          color: '#222',
          'text-valign': 'center',
          'text-halign': 'center',
          'text-wrap': 'wrap',
          shape: 'round-rectangle',
          'background-color': '#ffffff',
          'border-width': 1,
          'border-color': '#666',
          'min-zoomed-font-size': 5,
        },
      },
    ];
    // Sizes only where a node has them (account boxes size to their members: a mapping to a
    // field they lack is a console warning per box).
    style.push({
      selector: 'node[tw][w][h]',
      style: { 'text-max-width': 'data(tw)', width: 'data(w)', height: 'data(h)' },
    });
    for (const [kind, s] of Object.entries(KIND_STYLE)) {
      style.push({ selector: 'node[kind = "' + kind + '"]', style: s });
    }
    style.push(
      {
        selector: 'node[?isGroup]',
        style: {
          shape: 'round-rectangle',
          'background-color': '#f4f6f8',
          'background-opacity': 0.6,
          'border-color': '#8c959f',
          'border-width': 1,
          label: 'data(label)',
          'text-valign': 'top',
          'text-halign': 'center',
          'text-margin-y': -3,
          'font-size': 12,
          'font-weight': 'bold',
          color: '#444',
          padding: '12px',
          'min-zoomed-font-size': 3,
        },
      },
      { selector: 'node[?isGroup][?outside]', style: { 'border-color': '#c00000', 'border-width': 2, color: '#c00000' } },
      {
        selector: 'edge',
        style: {
          width: 1.2,
          'curve-style': 'bezier',
          'line-color': '#555',
          'target-arrow-color': '#555',
          'target-arrow-shape': 'triangle',
          'arrow-scale': 0.9,
          label: 'data(label)',
          'font-family': FONT,
          'font-size': 9,
          color: '#333',
          'text-background-color': '#ffffff',
          'text-background-opacity': 0.85,
          'text-background-padding': '1px',
          'min-zoomed-font-size': 7,
        },
      },
      {
        selector: 'edge[detour]',
        style: { 'curve-style': 'unbundled-bezier', 'control-point-distances': 'data(detour)', 'control-point-weights': 0.5 },
      },
      { selector: 'edge[?cross]', style: { width: 2.5, 'line-color': '#d6336c', 'target-arrow-color': '#d6336c', color: '#d6336c' } },
      { selector: 'edge[?external]', style: { width: 3.5, 'line-color': '#c00000', 'target-arrow-color': '#c00000', color: '#c00000' } },
      { selector: 'edge[?failedOnly]', style: { 'line-style': 'dashed' } },
      { selector: 'edge[?failedOnly][!cross][!external]', style: { 'line-color': '#666', 'target-arrow-color': '#666' } },
      {
        selector: 'edge[?handOver]',
        style: { 'line-style': 'dashed', 'line-dash-pattern': [6, 3], 'target-arrow-fill': 'hollow', width: 1.6 },
      },
      { selector: 'edge[?handOver][!cross][!external]', style: { 'line-color': HAND_OVER, 'target-arrow-color': HAND_OVER, color: HAND_OVER } },
      { selector: 'edge[?handOver][?failedOnly]', style: { 'line-style': 'dotted' } },
      { selector: 'edge[?handOver][?failedOnly][!cross][!external]', style: { 'line-color': REFUSED, 'target-arrow-color': REFUSED, color: REFUSED } },
      { selector: 'node.faded', style: { opacity: 0.15 } },
      { selector: 'edge.faded', style: { opacity: 0.07 } },
      { selector: 'edge.hl', style: { 'z-index': 20 } },
      { selector: 'node.hl', style: { 'border-width': 3, 'border-color': '#1f6feb' } },
      { selector: 'node.picked', style: { 'border-width': 4, 'border-color': '#0b3d91', 'underlay-color': '#1f6feb', 'underlay-opacity': 0.25, 'underlay-padding': 6 } },
      { selector: 'node.match', style: { 'border-width': 4, 'border-color': '#f08c00', 'underlay-color': '#f08c00', 'underlay-opacity': 0.35, 'underlay-padding': 8 } },
      { selector: '.hidden', style: { display: 'none' } }
    );
    return style;
  }

  // ---- Tables ---------------------------------------------------------------------------

  function cellText(value, column) {
    if (value === null || value === undefined) return '';
    if (Array.isArray(value)) return value.map(visible).join('; ');
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (column.account && accountNames[value]) return visible(value + ' ' + accountNames[value]);
    return visible(value);
  }

  // A cell's class by its column: numbers right-aligned, short tokens (times, kinds) never
  // cut, lists and accounts cut between their words, ARNs given room before the rest.
  function cellClass(column) {
    if (column.num) return 'num';
    if (column.word) return 'word';
    // An account and its name (`--accounts`): wrapped between words, never inside one.
    if (column.words || column.account) return 'words';
    if (column.arn) return 'arn';
    return '';
  }

  const TABLES = {
    chains: {
      title: 'Chains',
      columns: [
        { key: 'depth', num: true }, { key: 'count', num: true },
        { key: 'cross_account_hops', label: 'cross hops', num: true }, { key: 'returns', num: true },
        { key: 'outcome', word: true }, { key: 'first_seen', word: true }, { key: 'last_seen', word: true }, { key: 'origin' },
        { key: 'chain' },
      ],
      rows: () => chains,
    },
    services: {
      title: 'Services',
      columns: [
        { key: 'service', word: true }, { key: 'role_arn', label: 'role', arn: true }, { key: 'role_account', account: true },
        { key: 'count', num: true }, { key: 'sessions', num: true }, { key: 'first_seen', word: true }, { key: 'last_seen', word: true },
        { key: 'passers', optional: true },
      ],
      rows: () => data.services || [],
    },
    edges: {
      title: 'Edges',
      columns: [
        { key: 'source_kind', label: 'kind', word: true }, { key: 'source', arn: true }, { key: 'source_subject', label: 'subject' },
        { key: 'source_account', account: true }, { key: 'role_arn', label: 'role', arn: true },
        { key: 'role_account', account: true }, { key: 'cross_account', label: 'cross', word: true },
        { key: 'successes', num: true }, { key: 'failures', num: true }, { key: 'event_names', label: 'events', words: true },
        { key: 'first_seen', word: true }, { key: 'last_seen', word: true }, { key: 'source_ips', label: 'source IPs', words: true },
      ],
      rows: () => data.edges || [],
    },
    hand_overs: {
      title: 'Hand-overs',
      columns: [
        { key: 'event_time', label: 'time', word: true }, { key: 'event_name', label: 'call', word: true }, { key: 'outcome', word: true },
        { key: 'error_code', label: 'error', word: true }, { key: 'passer', arn: true }, { key: 'passer_origin', label: 'origin', arn: true },
        { key: 'role_arn', label: 'role', arn: true }, { key: 'via', label: 'instance profile' }, { key: 'service', word: true },
        { key: 'resource' }, { key: 'worn', num: true },
      ],
      rows: () => data.hand_overs || [],
    },
  };
  const sortState = {};

  function renderTable(name, rows, note) {
    const spec = TABLES[name];
    const table = document.getElementById(name);
    const all = spec.rows().length;
    document.getElementById(name + '-title').textContent =
      spec.title + (rows.length === all ? ' (' + all + ')' : ' (' + rows.length + ' of ' + all + ', ' + note + ')');
    const sort = sortState[name];
    let shown = rows.map((row, i) => ({ row, i }));
    if (sort) {
      const { key, dir } = sort;
      shown.sort((a, b) => {
        const x = a.row[key];
        const y = b.row[key];
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : cellText(x, {}).localeCompare(cellText(y, {}));
        return c * dir || a.i - b.i;
      });
    }
    table.textContent = '';
    const head = table.createTHead().insertRow();
    // An optional column only when some row has it (services' passers, for hand-overs read).
    const columns = spec.columns.filter((c) => !c.optional || spec.rows().some((row) => c.key in row));
    for (const column of columns) {
      const th = el('th', column.label || column.key.replace(/_/g, ' '));
      if (sort && sort.key === column.key) th.setAttribute('aria-sort', sort.dir > 0 ? 'ascending' : 'descending');
      th.addEventListener('click', () => {
        const now = sortState[name];
        sortState[name] = { key: column.key, dir: now && now.key === column.key ? -now.dir : 1 };
        renderTables();
      });
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const { row } of shown.slice(0, MAX_ROWS)) {
      const tr = body.insertRow();
      tr.className = 'row' + (row.cross_account === true || row.cross_account_hops > 0 ? ' cross' : '');
      for (const column of columns) {
        const td = el('td', cellText(row[column.key], column), cellClass(column));
        tr.appendChild(td);
      }
      if (name === 'chains' && Array.isArray(row.nodes)) {
        tr.classList.add('pick');
        tr.addEventListener('click', () => selectChain(row));
      }
    }
    if (shown.length > MAX_ROWS) {
      const tr = body.insertRow();
      const td = el('td', 'first ' + MAX_ROWS + ' of ' + shown.length + ' rows shown', 'note');
      td.colSpan = columns.length;
      tr.appendChild(td);
    }
  }

  // Keys that tie a table row's principals to graph nodes: the ARN or name itself, and for a
  // role or an assumed-role session, the role (account and name; a session ARN drops the path).
  function keysOf(name) {
    const keys = [String(name)];
    let m = /^arn:[^:]*:sts::([^:]*):assumed-role\/([^/]+)\//.exec(name);
    if (!m) m = /^arn:[^:]*:iam::([^:]*):role\/(?:.*\/)?([^/]+)$/.exec(name);
    if (m) keys.push('role ' + m[1] + ' ' + m[2]);
    return keys;
  }
  function nodeKeys(id) {
    const node = nodeById.get(id);
    if (!node) return [];
    return node.kind === 'account' ? ['account ' + node.name] : keysOf(node.name);
  }

  function rowMatcher(selection) {
    if (!selection) return () => true;
    const pairs = new Set();
    const single = new Set();
    for (const id of selection.nodes) for (const k of nodeKeys(id)) single.add(k);
    for (const edge of selection.edges) {
      const e = graphEdges[edge.data('index')];
      for (const s of nodeKeys(e.source)) for (const t of nodeKeys(e.target)) pairs.add(s + '\u0000' + t);
    }
    return (source, role, sourceAccount, roleAccount) => {
      const ss = accountLevel ? ['account ' + sourceAccount] : keysOf(source);
      const ts = accountLevel ? ['account ' + roleAccount] : keysOf(role);
      if (pairs.size === 0) return ss.some((k) => single.has(k)) || ts.some((k) => single.has(k));
      return ss.some((s) => ts.some((t) => pairs.has(s + '\u0000' + t)));
    };
  }

  // Whether a hand-over is through the selection: its own edge (passer to role) is selected,
  // or a session on one of the selected chains made it (its passer is on them, and its origin
  // is theirs). An incident responder's (session 37): a click on a user listed none of the
  // hand-overs its chains made, which the page's hint promises.
  function handOverMatcher(selection, match) {
    if (!selection) return () => true;
    const single = new Set();
    for (const id of selection.nodes) for (const k of nodeKeys(id)) single.add(k);
    const origins = new Set(selection.chains.map((i) => chains[i].origin).filter((o) => o));
    return (r) => {
      const account = arnAccount(r.passer);
      const passer = accountLevel && account ? ['account ' + account] : keysOf(r.passer);
      return match(r.passer, r.role_arn, account, arnAccount(r.role_arn))
        || (origins.has(String(r.passer_origin || '')) && passer.some((k) => single.has(k)));
    };
  }

  function renderTables() {
    const sel = state.selection;
    const note = sel ? 'through the selection' : '';
    const chainRows = sel ? sel.chains.map((i) => chains[i]) : chains;
    renderTable('chains', chainRows, note);
    const match = rowMatcher(sel);
    const handOvers = (data.hand_overs || []).filter(handOverMatcher(sel, match));
    // A service wearing a role is through the selection when its hop is, or when a hand-over
    // through it gave the service that role.
    const handed = new Set(handOvers.map((r) => r.service + '\u0000' + r.role_arn));
    const services = (data.services || []).filter((r) =>
      !sel || match(r.service, r.role_arn, r.role_account, r.role_account)
        || handed.has(r.service + '\u0000' + r.role_arn));
    renderTable('services', services, note);
    const edges = (data.edges || []).filter((r) =>
      !sel || match(r.source, r.role_arn, r.source_account, r.role_account));
    renderTable('edges', edges, note);
    renderTable('hand_overs', handOvers, note);
  }

  // The account an ARN names ('' for none: a service principal).
  function arnAccount(name) {
    const m = /^arn:[^:]*:[^:]*:[^:]*:([^:]*):/.exec(String(name || ''));
    return m ? m[1] : '';
  }

  function renderSummary() {
    const body = document.querySelector('#summary tbody');
    const add = (key, value, sub) => {
      const tr = body.insertRow();
      if (sub) tr.className = 'sub';
      // A name such as AssumeRoleWithWebIdentity may wrap where its words meet (a <wbr>
      // before each capital after a lower-case letter), never in the middle of one.
      const cell = el('td');
      key.split(/(?<=[a-z])(?=[A-Z])/).forEach((part, i) => {
        if (i > 0) cell.appendChild(document.createElement('wbr'));
        cell.appendChild(document.createTextNode(part));
      });
      tr.appendChild(cell);
      tr.appendChild(el('td', value));
    };
    const show = (value) => {
      if (value === null || value === undefined) return '';
      // An empty count by reason (no file skipped) is none, not a blank.
      if (typeof value === 'object' && !Array.isArray(value) && !Object.keys(value).length) return 'none';
      if (Array.isArray(value)) return value.map(visible).join(', ');
      if (typeof value === 'object') {
        return Object.entries(value).map(([k, v]) => visible(k) + ' ' + show(v)).join(', ');
      }
      if (typeof value === 'number' && !Number.isInteger(value)) return value.toFixed(3);
      return visible(value);
    };
    for (const [key, value] of Object.entries(data.summary || {})) {
      if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length) {
        // A heading row (`by event name`), then one row per name under it.
        const head = body.insertRow();
        head.className = 'group';
        const cell = el('td', key.replace(/_/g, ' '));
        cell.colSpan = 2;
        head.appendChild(cell);
        for (const [k, v] of Object.entries(value)) add(visible(k), show(v), true);
      } else {
        add(key.replace(/_/g, ' '), show(value));
      }
    }
  }

  // ---- Interaction ----------------------------------------------------------------------

  const state = { selection: null, cy: null };
  const chainsByNode = new Map();
  chains.forEach((chain, i) => {
    for (const id of new Set(chain.nodes || [])) {
      if (id === null || id === undefined) continue;
      if (!chainsByNode.has(id)) chainsByNode.set(id, []);
      chainsByNode.get(id).push(i);
    }
  });
  const edgeByPair = new Map();
  function edgeBetween(source, target) {
    const m = edgeByPair.get(source);
    return m ? m.get(target) : undefined;
  }

  function nonGroupNodes() {
    return state.cy.nodes().filter((n) => !n.data('isGroup'));
  }

  // Highlights the given chains (all their nodes and consecutive hops), plus `extra` nodes and
  // `extraEdges` (a node's hand-overs, which belong to no chain).
  function highlightChains(chainIndexes, extra, picked, extraEdges) {
    const cy = state.cy;
    const nodes = new Set(extra);
    let edges = extraEdges || cy.collection();
    for (const i of chainIndexes) {
      const ids = chains[i].nodes || [];
      ids.forEach((id, j) => {
        if (id !== null && id !== undefined && nodeById.has(id)) nodes.add(id);
        const prev = ids[j - 1];
        if (j > 0 && prev != null && id != null) {
          const e = edgeBetween(prev, id);
          if (e) edges = edges.union(e);
        }
      });
    }
    let nodeSet = cy.collection();
    for (const id of nodes) nodeSet = nodeSet.union(cy.getElementById(id));
    cy.batch(() => {
      cy.elements().removeClass('hl picked faded');
      cy.elements().filter((e) => !e.data('isGroup')).difference(nodeSet).difference(edges).addClass('faded');
      nodeSet.addClass('hl');
      edges.addClass('hl');
      if (picked) picked.addClass('picked');
    });
    state.selection = { chains: chainIndexes, nodes: [...nodes].sort(), edges };
    renderTables();
  }

  function showDetails(pairs) {
    const dl = document.getElementById('selection-details');
    dl.textContent = '';
    document.getElementById('selection-hint').hidden = pairs.length > 0;
    for (const [k, v] of pairs) {
      dl.appendChild(el('dt', k));
      dl.appendChild(breakable('dd', String(v)));
    }
  }

  function selectNode(id) {
    const node = nodeById.get(id);
    if (!node) throw new Error('no node ' + id);
    // Its chains, and the hand-overs it made or was given in (with their other ends).
    const handOverEdges = state.cy.getElementById(id).connectedEdges('[?handOver]');
    const handOverEnds = handOverEdges.connectedNodes().map((n) => n.id());
    highlightChains(chainsByNode.get(id) || [], [id, ...handOverEnds], state.cy.getElementById(id), handOverEdges);
    const ins = graphEdges.filter((e) => e.target === id && !isHandOver(e));
    const outs = graphEdges.filter((e) => e.source === id && !isHandOver(e));
    const handedIn = graphEdges.filter((e) => e.target === id && isHandOver(e));
    const handedOut = graphEdges.filter((e) => e.source === id && isHandOver(e));
    const counted = (list, noun) => plural(list.length, 'edge') + ', ' + plural(list.reduce((a, e) => a + e.count, 0), noun);
    const handOvers = (list) => counted(list, 'call');
    showDetails([
      ['kind', node.kind],
      ['name', visible(node.name)],
      ['account', node.account ? visible(accountLabel(node.account)) : '\u2014'],
      ...(node.subjects && node.subjects.length ? [['subjects', node.subjects.map(visible).join('; ')]] : []),
      ['assumed by', counted(ins, 'event')],
      ['assumes', counted(outs, 'event')],
      ...(handedIn.length ? [['handed to services by', handOvers(handedIn)]] : []),
      ...(handedOut.length ? [['hands to services', handOvers(handedOut)]] : []),
      ['chains', String((chainsByNode.get(id) || []).length)],
    ]);
  }

  function selectEdge(edge) {
    const e = graphEdges[edge.data('index')];
    const through = [];
    chains.forEach((chain, i) => {
      const ids = chain.nodes || [];
      for (let j = 1; j < ids.length; j++) {
        if (ids[j - 1] === e.source && ids[j] === e.target) {
          through.push(i);
          break;
        }
      }
    });
    highlightChains(through, [e.source, e.target], null);
    if (isHandOver(e)) {
      showDetails([
        ['passer', visible(nodeById.get(e.source).name)],
        ['role', visible(nodeById.get(e.target).name)],
        ['handed to', visible(e.service || '')],
        ['calls', e.count + ' (' + e.successes + ' handed over, ' + e.failures + ' refused)'],
        ['call names', (e.event_names || []).map(visible).join(', ')],
        ['worn after', String(e.worn || 0) + ' sessions of the service'],
        ['cross-account', e.external ? 'yes, outside --accounts' : e.cross_account ? 'yes' : 'no'],
        ['first seen', visible(e.first_seen || '')],
        ['last seen', visible(e.last_seen || '')],
      ]);
      return;
    }
    showDetails([
      ['from', visible(nodeById.get(e.source).name)],
      ['to', visible(nodeById.get(e.target).name)],
      ['events', e.count + ' (' + e.successes + ' succeeded, ' + e.failures + ' failed)'],
      ['event names', (e.event_names || []).map(visible).join(', ')],
      ['cross-account', e.external ? 'yes, outside --accounts' : e.cross_account ? 'yes' : 'no'],
      ['first seen', visible(e.first_seen || '')],
      ['last seen', visible(e.last_seen || '')],
      ['source IPs', (e.source_ips || []).map(visible).join(', ')],
    ]);
  }

  function selectChain(chain) {
    const i = chains.indexOf(chain);
    highlightChains([i], [], null);
    showDetails([['chain', visible(chain.chain)], ['count', String(chain.count)], ['depth', String(chain.depth)]]);
  }

  function clearSelection() {
    state.selection = null;
    state.cy.batch(() => state.cy.elements().removeClass('hl picked faded'));
    showDetails([]);
    renderTables();
  }

  function visibleElements() {
    return state.cy.elements().filter((e) => !e.hasClass('hidden'));
  }
  function fitVisible() {
    const cy = state.cy;
    cy.fit(visibleElements(), 24);
    if (cy.zoom() > 1.6) {
      cy.zoom(1.6);
      cy.center(visibleElements());
    }
  }

  // Filters narrow the edges drawn; with any filter on, a node is drawn only when one of its
  // edges is (with the account filter alone, every node of that account too).
  function applyFilters() {
    const cy = state.cy;
    const cross = document.getElementById('f-cross').checked;
    const fail = document.getElementById('f-fail').checked;
    const svc = document.getElementById('f-svc').checked;
    const account = document.getElementById('f-account').value;
    const any = cross || fail || svc || account !== '';
    const accountOf = (id) => (nodeById.get(id) || {}).account || '';
    const shownNodes = new Set();
    cy.batch(() => {
      cy.edges().forEach((edge) => {
        const e = graphEdges[edge.data('index')];
        const ok =
          (!cross || e.cross_account || e.external) &&
          (!fail || e.failures > 0) &&
          (!svc || serviceEdges.has(edge.data('index'))) &&
          (account === '' || accountOf(e.source) === account || accountOf(e.target) === account);
        edge.toggleClass('hidden', !ok);
        if (ok) {
          shownNodes.add(e.source);
          shownNodes.add(e.target);
        }
      });
      const alone = account !== '' && !cross && !fail && !svc;
      const groupShown = new Set();
      nonGroupNodes().forEach((node) => {
        const id = node.id();
        const ok = !any || shownNodes.has(id) || (alone && accountOf(id) === account);
        node.toggleClass('hidden', !ok);
        if (ok && node.data('parent')) groupShown.add(node.data('parent'));
      });
      cy.nodes().filter((n) => n.data('isGroup')).forEach((g) => g.toggleClass('hidden', !groupShown.has(g.id())));
    });
    layOutShown(any);
    fitVisible();
  }

  // Lays the drawing out again for what the filters show (`filtered`), by the same rules as
  // the whole: one account's hops, or the hops across accounts, read as their own picture
  // instead of a few nodes strewn over the whole organization's places. With no filter on,
  // every node goes back to its place in the whole.
  function layOutShown(filtered) {
    const cy = state.cy;
    const shown = [];
    const sizes = [];
    const home = [];
    graphNodes.forEach((node, i) => {
      const drawn = cy.getElementById(node.id);
      if (drawn.empty() || (filtered && drawn.hasClass('hidden'))) return;
      shown.push(node);
      sizes.push(state.sizes[i]);
      home.push(state.home[i]);
    });
    const edgeIndex = [];
    graphEdges.forEach((edge, i) => {
      const drawn = cy.getElementById('edge-' + i);
      if (!drawn.empty() && !(filtered && drawn.hasClass('hidden'))) edgeIndex.push(i);
    });
    const edges = edgeIndex.map((i) => graphEdges[i]);
    let positions = home;
    let detours = state.homeDetours;
    if (filtered) {
      positions = layout(sizes, shown, edges);
      const own = detoursAround(positions, sizes, shown, edges);
      detours = new Map([...own].map(([e, distance]) => [edgeIndex[e], distance]));
    }
    cy.batch(() => {
      shown.forEach((node, k) => cy.getElementById(node.id).position(positions[k]));
      for (const i of edgeIndex) {
        const drawn = cy.getElementById('edge-' + i);
        if (detours.has(i)) drawn.data('detour', detours.get(i));
        else drawn.removeData('detour');
      }
    });
  }

  // Edges made by AWS services, the hops of chains that a service starts, and the hand-overs
  // of roles to services.
  const serviceEdges = new Set();

  function search(query) {
    const cy = state.cy;
    const q = query.trim().toLowerCase();
    cy.batch(() => cy.nodes().removeClass('match'));
    const count = document.getElementById('search-count');
    if (!q) {
      count.textContent = '';
      fitVisible();
      return 0;
    }
    const matches = nonGroupNodes().filter((node) => {
      if (node.hasClass('hidden')) return false;
      const d = nodeById.get(node.id());
      // A provider's subjects too: the people of an Identity Center organization are subjects
      // (a new user's first hour, session 36: alice@example.com was found on no node).
      return [d.label, d.name, ...(d.subjects || [])].some((s) => String(s || '').toLowerCase().includes(q));
    });
    matches.addClass('match');
    count.textContent = matches.length + (matches.length === 1 ? ' match' : ' matches');
    if (matches.length) {
      cy.fit(matches, 80);
      if (cy.zoom() > 1.5) {
        cy.zoom(1.5);
        cy.center(matches);
      }
    }
    return matches.length;
  }

  // ---- Start ----------------------------------------------------------------------------

  function start() {
    const summary = data.summary || {};
    const meta = [data.generated_by || 'trailmask', (summary.files_read || 0) + ' files read', (summary.role_assumptions || 0) + ' role assumptions', 'level: ' + visible(data.level || '')];
    const focus = data.focus || {};
    if (focus.from != null) meta.push('from ' + visible(focus.from));
    if (focus.to != null) meta.push('to ' + visible(focus.to));
    if (focus.depth != null) meta.push('depth ' + focus.depth);
    if ((data.hand_overs || []).length) meta.splice(3, 0, plural(data.hand_overs.length, 'hand-over'));
    if (data.version !== 1) meta.push('report data version ' + visible(data.version) + ' (this page reads version 1)');
    document.getElementById('meta').textContent = meta.join(' \u00b7 ');

    const cy = cytoscape({
      container: document.getElementById('graph'),
      elements: buildElements(),
      style: graphStyle(),
      layout: { name: 'preset' },
      minZoom: 0.03,
      maxZoom: 4,
      boxSelectionEnabled: false,
      autounselectify: true,
      autoungrabify: false,
    });
    state.cy = cy;
    // Nothing to draw: say so on the canvas rather than leave it blank (a new user's first
    // hour, session 36).
    if (!graphNodes.length) {
      const note = el('p', 'Nothing to draw: no role assumption in the logs read' + (data.focus && Object.values(data.focus).some((v) => v != null) ? ' matched the focus.' : ' (or none matched the filters).'), 'empty-graph');
      note.id = 'empty-graph';
      document.getElementById('graph-wrap').appendChild(note);
    }
    cy.edges().forEach((edge) => {
      const s = edge.data('source');
      if (!edgeByPair.has(s)) edgeByPair.set(s, new Map());
      edgeByPair.get(s).set(edge.data('target'), edge);
    });
    graphEdges.forEach((e, i) => {
      if ((nodeById.get(e.source) || {}).kind === 'aws-service' || isHandOver(e)) serviceEdges.add(i);
    });
    for (const chain of chains) {
      const ids = chain.nodes || [];
      if (ids[0] == null || (nodeById.get(ids[0]) || {}).kind !== 'aws-service') continue;
      for (let j = 1; j < ids.length; j++) {
        const e = ids[j - 1] != null && ids[j] != null ? edgeBetween(ids[j - 1], ids[j]) : null;
        if (e) serviceEdges.add(e.data('index'));
      }
    }

    cy.on('tap', (evt) => {
      if (evt.target === cy || (evt.target.isNode && evt.target.isNode() && evt.target.data('isGroup'))) {
        clearSelection();
      } else if (evt.target.isNode()) {
        selectNode(evt.target.id());
      } else if (evt.target.isEdge()) {
        selectEdge(evt.target);
      }
    });

    const select = document.getElementById('f-account');
    const accounts = [...new Set(graphNodes.map((n) => n.account).filter((a) => a))].sort();
    for (const a of accounts) {
      const option = el('option', visible(accountLabel(a)));
      option.value = a;
      select.appendChild(option);
    }
    for (const id of ['f-cross', 'f-fail', 'f-svc', 'f-account']) {
      document.getElementById(id).addEventListener('change', applyFilters);
    }
    const box = document.getElementById('search');
    box.addEventListener('input', () => search(box.value));
    box.addEventListener('keydown', (evt) => {
      if (evt.key === 'Escape') {
        box.value = '';
        search('');
      }
    });
    document.getElementById('fit').addEventListener('click', fitVisible);
    document.getElementById('clear').addEventListener('click', () => {
      clearSelection();
      box.value = '';
      search('');
    });

    renderSummary();
    renderTables();
    fitVisible();

    Object.assign(hook, {
      nodesShown: () => nonGroupNodes().filter((n) => !n.hasClass('hidden')).length,
      edgesShown: () => cy.edges().filter((e) => !e.hasClass('hidden')).length,
      groupsShown: () => cy.nodes().filter((n) => n.data('isGroup') && !n.hasClass('hidden')).length,
      // Where each node is drawn (model coordinates), and the size of what is shown.
      positions: () => Object.fromEntries(nonGroupNodes().map((n) => [n.id(), n.position()])),
      shownExtent: () => {
        const box = nonGroupNodes().filter((n) => !n.hasClass('hidden')).boundingBox({ includeLabels: false });
        return { w: Math.round(box.w), h: Math.round(box.h) };
      },
      // The extent the nodes shown would take at their places in the whole drawing.
      homeExtent: () => {
        let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
        graphNodes.forEach((node, i) => {
          const drawn = cy.getElementById(node.id);
          if (drawn.empty() || drawn.hasClass('hidden')) return;
          const [p, size] = [state.home[i], state.sizes[i]];
          [x0, y0] = [Math.min(x0, p.x - size.w / 2), Math.min(y0, p.y - size.h / 2)];
          [x1, y1] = [Math.max(x1, p.x + size.w / 2), Math.max(y1, p.y + size.h / 2)];
        });
        return { w: Math.round(x1 - x0), h: Math.round(y1 - y0) };
      },
      // The text drawn on each node and account box, sorted.
      labels: () => cy.nodes().map((n) => n.data('label')).sort(),
      click: (id) => {
        selectNode(id);
        return hook.highlighted();
      },
      clear: clearSelection,
      search,
      highlighted: () => ({
        nodes: state.selection ? state.selection.nodes.slice() : [],
        edges: state.selection ? state.selection.edges.length : 0,
      }),
      // Where a node is drawn, in page coordinates, and whether that point is inside the graph.
      pagePoint: (id) => {
        const node = cy.getElementById(id);
        if (node.empty()) return null;
        const box = cy.container().getBoundingClientRect();
        const p = node.renderedPosition();
        return {
          x: box.left + p.x,
          y: box.top + p.y,
          inside: p.x > 0 && p.y > 0 && p.x < box.width && p.y < box.height,
        };
      },
      reveal: (id) => {
        cy.zoom(1);
        cy.center(cy.getElementById(id));
      },
      tableRows: (name) => document.querySelectorAll('#' + name + ' tbody tr.row').length,
      // The box each identity provider is drawn in ('' for none), by node id.
      providerBoxes: () => Object.fromEntries(nonGroupNodes()
        .filter((n) => n.data('kind') === 'saml' || n.data('kind') === 'web-identity')
        .map((n) => [n.id(), n.data('parent') || ''])),
      // Each edge whose straight line runs through a node other than its ends (its box less a
      // pixel each side), as [source, target, node]: what makes a picture hard to follow.
      // The nodes the search marks, by id, sorted.
      searchMatches: () => cy.nodes('.match').map((n) => n.id()).sort(),
      edgesThroughNodes: () => {
        const nodes = nonGroupNodes().filter((n) => !n.hasClass('hidden'));
        const through = [];
        cy.edges().filter((e) => !e.hasClass('hidden')).forEach((e) => {
          const a = e.source().position();
          const b = e.target().position();
          // The line as drawn: straight, or a detour's curve (in 24 pieces).
          let path = [a, b];
          const control = e.data('detour') !== undefined ? (e.controlPoints() || [])[0] : undefined;
          if (control) {
            path = [];
            for (let k = 0; k <= 24; k++) {
              const t = k / 24;
              const u = 1 - t;
              path.push({ x: u * u * a.x + 2 * u * t * control.x + t * t * b.x, y: u * u * a.y + 2 * u * t * control.y + t * t * b.y });
            }
          }
          nodes.forEach((n) => {
            if (n.id() === e.source().id() || n.id() === e.target().id()) return;
            const p = n.position();
            const hw = n.width() / 2 - 1;
            const hh = n.height() / 2 - 1;
            for (let k = 1; k < path.length; k++) {
              if (segmentMeetsBox(path[k - 1], path[k], { x: p.x, y: p.y, hw, hh })) {
                through.push([e.data('source'), e.data('target'), n.id()]);
                return;
              }
            }
          });
        });
        return through;
      },
      // The hand-over edges drawn, with the style cytoscape computed for each.
      handOverEdges: () => cy.edges().filter((e) => e.data('handOver') && !e.hasClass('hidden')).map((e) => ({
        source: e.data('source'),
        target: e.data('target'),
        label: e.data('label'),
        lineStyle: e.style('line-style'),
        lineColor: e.style('line-color'),
        arrowFill: e.style('target-arrow-fill'),
      })),
    });
    // Ready once the first frame with the graph has been drawn.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        hook.readyMs = performance.now();
        hook.ready = true;
        document.documentElement.dataset.ready = 'true';
      }));
  }

  try {
    start();
  } catch (err) {
    hook.error = String(err && err.stack ? err.stack : err);
    const box = el('div', 'The report could not be drawn: ' + err, '');
    box.id = 'error';
    document.body.prepend(box);
    console.error(err);
  }
})();
