// Opens a trailmask HTML report in Debian's Chromium (through playwright-core), offline, and
// prints what it shows as one JSON object on stdout. Used by tests/report.rs.
//
//   node tests/browser/check-report.mjs REPORT.html [--screenshot OUT.png] [--click NODE_ID]
//                                       [--account ACCOUNT] [--search TEXT]
//
// --search types TEXT in the Search box (real key presses) and reads the count the page says
// ("search": its text) and the nodes it marks ("search_matches").
// --account chooses the account in the page's Account filter (a real selection), reads what
// the filtered drawing shows ("account_filter": nodes and edges shown, the extent of the
// shown nodes as drawn and as they would be at their places in the whole drawing, edges
// through nodes), takes the screenshot then, and chooses
// "all" again to see every node back in its place ("restored").
// Every request other than the report file itself is aborted (and listed in
// "blocked_requests"), so a passing run proves the page needs no network. The node click is a
// real mouse click at the node's drawn position ("click_method": "mouse"); the page's test
// hook (window.trailmaskReport) is only used to read the state back: among it, the hand-over
// edges drawn ("hand_over_edges") with the line style cytoscape computed for each, the edges
// whose lines run through another node ("edges_through_nodes": [source, target, node]) and
// the box each identity provider is drawn in ("provider_boxes").
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function usage(message) {
  process.stderr.write(`${message}\nusage: node check-report.mjs REPORT.html [--screenshot OUT.png] [--click NODE_ID] [--account ACCOUNT] [--search TEXT]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let report = null;
let screenshot = null;
let click = null;
let account = null;
let search = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--screenshot') screenshot = args[++i] ?? usage('--screenshot needs a file');
  else if (args[i] === '--click') click = args[++i] ?? usage('--click needs a node id');
  else if (args[i] === '--account') account = args[++i] ?? usage('--account needs an account id');
  else if (args[i] === '--search') search = args[++i] ?? usage('--search needs a text');
  else if (report === null) report = args[i];
  else usage(`unexpected argument ${args[i]}`);
}
if (report === null) usage('no report given');
if (!existsSync(report)) usage(`no such file: ${report}`);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) usage(`no Chromium at ${executablePath} (set CHROMIUM)`);

const pageUrl = pathToFileURL(resolve(report)).href;
const browser = await chromium.launch({
  executablePath,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const result = { console_errors: [], blocked_requests: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === pageUrl) return route.continue();
    result.blocked_requests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => result.console_errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') result.console_errors.push(`console.error: ${msg.text()}`);
    if (msg.type() === 'warning') result.console_errors.push(`console.warning: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    if (req.url() !== pageUrl && !result.blocked_requests.includes(req.url())) {
      result.blocked_requests.push(req.url());
    }
  });
  const started = Date.now();
  await page.goto(pageUrl, { waitUntil: 'load' });
  await page.waitForFunction(
    () => (window.trailmaskReport && (window.trailmaskReport.ready || window.trailmaskReport.error)),
    null,
    { timeout: 30000 },
  );
  const state = await page.evaluate(() => {
    const hook = window.trailmaskReport;
    if (hook.error) return { error: hook.error };
    return {
      ready_ms: hook.readyMs,
      nodes_shown: hook.nodesShown(),
      edges_shown: hook.edgesShown(),
      groups_shown: hook.groupsShown(),
      scripts: document.scripts.length,
      tables: {
        chains: hook.tableRows('chains'),
        services: hook.tableRows('services'),
        edges: hook.tableRows('edges'),
        hand_overs: hook.tableRows('hand_overs'),
      },
      hand_over_edges: hook.handOverEdges(),
      edges_through_nodes: hook.edgesThroughNodes(),
      boxes: hook.providerBoxes(),
      labels: hook.labels(),
      empty_note: document.getElementById('empty-graph')?.textContent ?? null,
    };
  });
  if (state.error) result.console_errors.push(`app error: ${state.error}`);
  // load_ms: navigation start to the first drawn frame, as the page measured it.
  result.load_ms = Math.round(state.ready_ms ?? Date.now() - started);
  Object.assign(result, {
    nodes_shown: state.nodes_shown,
    edges_shown: state.edges_shown,
    groups_shown: state.groups_shown,
    scripts: state.scripts,
    tables: state.tables,
    hand_over_edges: state.hand_over_edges,
    edges_through_nodes: state.edges_through_nodes,
    provider_boxes: state.boxes,
    labels: state.labels,
    empty_note: state.empty_note,
  });
  if (click !== null) {
    let point = await page.evaluate((id) => window.trailmaskReport.pagePoint(id), click);
    if (point === null) throw new Error(`no node ${click} in the graph`);
    if (!point.inside) {
      await page.evaluate((id) => window.trailmaskReport.reveal(id), click);
      point = await page.evaluate((id) => window.trailmaskReport.pagePoint(id), click);
    }
    await page.mouse.click(point.x, point.y);
    let hl = await page.evaluate(() => window.trailmaskReport.highlighted());
    result.click_method = 'mouse';
    if (!hl.nodes.includes(click)) {
      // The mouse landed elsewhere (a label or another node on top): say so, then use the hook.
      result.click_method = 'hook';
      hl = await page.evaluate((id) => window.trailmaskReport.click(id), click);
    }
    result.clicked = click;
    result.highlighted_nodes = hl.nodes.slice().sort();
    result.highlighted_edges = hl.edges;
    // The selection pane: each term and what it says.
    result.selection_details = await page.evaluate(() => [...document.querySelectorAll('#selection-details dt')].map((dt) => [dt.textContent, dt.nextElementSibling ? dt.nextElementSibling.textContent : null]));
    result.tables_after_click = await page.evaluate(() => ({
      chains: window.trailmaskReport.tableRows('chains'),
      services: window.trailmaskReport.tableRows('services'),
      edges: window.trailmaskReport.tableRows('edges'),
      hand_overs: window.trailmaskReport.tableRows('hand_overs'),
    }));
  } else {
    result.clicked = null;
    result.highlighted_nodes = [];
    result.highlighted_edges = 0;
  }
  if (search !== null) {
    await page.click('#search');
    await page.keyboard.type(search);
    result.search = await page.evaluate(() => document.getElementById('search-count').textContent);
    result.search_matches = await page.evaluate(() => window.trailmaskReport.searchMatches());
  }
  if (account !== null) {
    const before = await page.evaluate(() => ({ positions: window.trailmaskReport.positions() }));
    await page.selectOption('#f-account', account);
    result.account_filter = await page.evaluate(() => ({
      nodes_shown: window.trailmaskReport.nodesShown(),
      edges_shown: window.trailmaskReport.edgesShown(),
      extent: window.trailmaskReport.shownExtent(),
      extent_in_whole: window.trailmaskReport.homeExtent(),
      edges_through_nodes: window.trailmaskReport.edgesThroughNodes().length,
    }));
    if (screenshot !== null) await page.screenshot({ path: screenshot });
    await page.selectOption('#f-account', '');
    const after = await page.evaluate(() => window.trailmaskReport.positions());
    const moved = Object.keys(before.positions).filter((id) => {
      const [a, b] = [before.positions[id], after[id]];
      return !b || Math.abs(a.x - b.x) > 0.5 || Math.abs(a.y - b.y) > 0.5;
    });
    result.account_filter.restored = moved.length === 0;
  } else if (screenshot !== null) {
    await page.screenshot({ path: screenshot });
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
