// xterm.js — the terminal emulator and its fit addon, a chunk of the
// bundle of its own: loaded when a terminal is first opened.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { adoptStyleElements } from './adopted_styles.js';

adoptStyleElements();
export { Terminal, FitAddon };
