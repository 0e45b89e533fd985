// web.test.mjs — the web UI's flows, in order, in one process sharing
// one headless Chromium: the first run sets the panel up through the UI,
// the others sign in as the admin it made.
import { after } from 'node:test';
import { closeBrowser } from './lib/browser.mjs';
import './flows/00_first_run.mjs';
import './flows/10_project.mjs';
import './flows/20_account.mjs';
import './flows/25_registries.mjs';
import './flows/30_shell.mjs';
import './flows/40_templates.mjs';
import './flows/50_domains.mjs';
import './flows/55_certificates.mjs';
import './flows/60_backups.mjs';
import './flows/70_monitoring.mjs';
import './flows/75_panel_logs.mjs';
import './flows/80_builds.mjs';
import './flows/90_terminal.mjs';
import './flows/95_swarm.mjs';
import './flows/96_swarm_node.mjs';

after(closeBrowser);
