// xterm.js — the terminal emulator and its fit addon, a chunk of the
// bundle of its own: loaded when a terminal is first opened.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { adoptStyleElements, styleAttributesThroughCSSOM } from
    './adopted_styles.js';

adoptStyleElements();
styleAttributesThroughCSSOM();
export { Terminal, FitAddon };
