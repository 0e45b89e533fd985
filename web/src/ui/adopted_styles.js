// adopted_styles.js — xterm.js under the panel's strict CSP (no
// 'unsafe-inline'). It writes the CSS it computes (cell sizes, colours)
// into <style> elements, which the CSP refuses to apply. A constructed
// stylesheet is not inline markup and the CSP lets it apply: from here
// on, a <style> the page's scripts create is an inert <op-style> element
// (hidden by style.css) whose text is mirrored into a sheet of
// document.adoptedStyleSheets, dropped again when the element is removed.
let installed = false;

function mirror(el, sheet) {
	const sync = () => { sheet.replaceSync(el.textContent ?? ''); };
	new MutationObserver(sync).observe(el, { childList: true,
		characterData: true, subtree: true });
	document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
	el.remove = () => {
		document.adoptedStyleSheets = document.adoptedStyleSheets
		    .filter((s) => s !== sheet);
		Element.prototype.remove.call(el);
	};
}

export function adoptStyleElements() {
	if (installed) return;
	installed = true;
	const create = document.createElement;
	document.createElement = function createElement(tag, opts) {
		if (String(tag).toLowerCase() !== 'style')
			return create.call(this, tag, opts);
		const el = create.call(this, 'op-style', opts);
		mirror(el, new CSSStyleSheet());
		return el;
	};
}

// xterm.js colours a cell with a 24-bit colour by writing the element's
// style attribute (setAttribute('style', …)), which the CSP refuses like
// any inline style. Setting the same declarations through the CSSOM
// (element.style.cssText) is not inline markup, and the CSP lets it
// apply: from here on, that is what setAttribute('style', …) does.
let attributes = false;

export function styleAttributesThroughCSSOM() {
	if (attributes) return;
	attributes = true;
	const set = Element.prototype.setAttribute;
	Element.prototype.setAttribute = function setAttribute(name, value) {
		if (this.style !== undefined &&
		    String(name).toLowerCase() === 'style')
			this.style.cssText = String(value);
		else
			set.call(this, name, value);
	};
}
