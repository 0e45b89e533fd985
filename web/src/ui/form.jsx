// form.jsx — forms whose API errors land where they belong: an error
// body naming a `field` is shown beside that field (and focuses it);
// any other error is shown above the form's buttons.
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';

const Ctx = createContext(null);
let serial = 0;

// The values of a form's named controls: checkboxes as booleans.
export function values(form) {
	const out = {};
	for (const el of form.elements) {
		if (!el.name || el.disabled) continue;
		if (el.type === 'checkbox') out[el.name] = el.checked;
		else if (el.type === 'radio') { if (el.checked) out[el.name] = el.value; }
		else out[el.name] = el.value;
	}
	return out;
}

function owns(name, field) {
	return field === name || field.startsWith(`${name}.`) ||
	    field.startsWith(`${name}[`);
}

// <Form onSubmit={async (values, form) => …}>: busy while it runs.
export function Form({ onSubmit, children, class: cls, label }) {
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const names = useRef(new Set());
	const ref = useRef(null);
	names.current = new Set();

	async function submit(ev) {
		ev.preventDefault();
		if (busy) return;
		setError(null);
		setBusy(true);
		try {
			await onSubmit(values(ref.current), ref.current);
		} catch (e) {
			setError(e);
			queueMicrotask(() => {
				const f = e.field && [...ref.current.elements]
				    .find((el) => el.name && owns(el.name, e.field));
				f?.focus();
			});
		} finally {
			setBusy(false);
		}
	}
	const ctx = { error, busy, names: names.current };
	return (
		<Ctx.Provider value={ctx}>
			<form ref={ref} class={cls ?? 'form'} onSubmit={submit}
			    aria-label={label} noValidate aria-busy={busy}>
				{children}
			</form>
		</Ctx.Provider>
	);
}

// The error for this field name, if the last failure named it.
function fieldError(ctx, name) {
	const e = ctx?.error;
	return e?.field && owns(name, e.field) ? e : null;
}

// A labelled control: input (default), textarea or select (children).
export function Field({ name, label, as = 'input', hint, children, ...rest }) {
	const ctx = useContext(Ctx);
	const id = useRef(`f${++serial}`).current;
	ctx?.names.add(name);
	const err = fieldError(ctx, name);
	const Tag = as;
	// Initial values only: a re-render (a poll, a failed submit) must not
	// overwrite what the person typed. A select keeps its own choice.
	const [choice, setChoice] = useState(rest.value);
	if (as === 'select') {
		rest.value = choice;
		const onChange = rest.onChange;
		rest.onChange = (e) => { setChoice(e.currentTarget.value); onChange?.(e); };
	} else {
		if ('value' in rest) { rest.defaultValue = rest.value; delete rest.value; }
		if ('checked' in rest) { rest.defaultChecked = rest.checked; delete rest.checked; }
	}
	const described = [hint && `${id}-hint`, err && `${id}-err`]
	    .filter(Boolean).join(' ') || undefined;
	const control = (
		<Tag id={id} name={name} aria-invalid={err ? 'true' : undefined}
		    aria-describedby={described} {...rest}>{children}</Tag>
	);
	if (rest.type === 'checkbox') {
		return (
			<div class="field check">
				{control}
				<label for={id}>{label}</label>
				{err && <p id={`${id}-err`} class="field-error"
				    role="alert">{err.message}</p>}
			</div>
		);
	}
	return (
		<div class="field">
			<label for={id}>{label}</label>
			{control}
			{hint && <p id={`${id}-hint`} class="hint">{hint}</p>}
			{err && <p id={`${id}-err`} class="field-error"
			    role="alert">{err.message}</p>}
		</div>
	);
}

// The form-level error: one no field of this form owns.
export function FormError() {
	const ctx = useContext(Ctx);
	const e = ctx?.error;
	if (!e) return null;
	if (e.field && [...ctx.names].some((n) => owns(n, e.field))) return null;
	return <p class="form-error" role="alert">{e.message}</p>;
}

export function Submit({ children, class: cls }) {
	const ctx = useContext(Ctx);
	return (
		<div class="actions">
			<FormError />
			<button type="submit" class={cls ?? 'primary'}
			    disabled={ctx?.busy}>{ctx?.busy ? 'Working…' : children}</button>
		</div>
	);
}

// A form in a modal dialog (native <dialog>: focus and Escape behave),
// titled title: onSubmit as a Form's; once it succeeds the dialog closes
// (onClose), and Cancel closes it unchanged.
export function FormDialog({ title, submit, onSubmit, onClose, children }) {
	const ref = useRef(null);
	const id = useRef(`d${++serial}`).current;
	useEffect(() => { ref.current?.showModal?.(); }, []);
	return (
		<dialog ref={ref} class="dialog" onClose={onClose} aria-labelledby={id}>
			<h2 id={id}>{title}</h2>
			<Form label={title} onSubmit={async (v, f) => {
				await onSubmit(v, f);
				onClose();
			}}>
				{children}
				<Submit>{submit}</Submit>
				<button type="button" onClick={onClose}>Cancel</button>
			</Form>
		</dialog>
	);
}
