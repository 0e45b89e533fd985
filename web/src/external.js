// external.js — a value kept outside the components (the address's hash,
// the session) as a component sees it: read at its first render, and read
// again when it subscribes, in its effect, which runs later; a change made
// in between told no one (a child screen's effect, which runs first, may
// choose a team; a test may change the hash right after a reload).
import { useEffect, useState } from 'preact/hooks';

// read() the value; subscribe(on) calls on() at each change and answers
// the function that unsubscribes.
export function useExternal(read, subscribe) {
	const [value, setValue] = useState(read);
	useEffect(() => {
		const on = () => setValue(read());
		on();
		return subscribe(on);
	}, []);
	return value;
}
