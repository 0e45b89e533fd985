// qr.jsx — a QR code drawn here as SVG (no image service ever sees the
// secret it carries).
import qrcode from 'qrcode-generator';

export function QR({ text, label, size = 200 }) {
	const qr = qrcode(0, 'M');
	qr.addData(text);
	qr.make();
	const n = qr.getModuleCount(), q = 4, dim = n + 2 * q;
	let d = '';
	for (let r = 0; r < n; r++)
		for (let c = 0; c < n; c++)
			if (qr.isDark(r, c)) d += `M${c + q} ${r + q}h1v1h-1z`;
	return (
		<svg class="qr" role="img" aria-label={label} width={size} height={size}
		    viewBox={`0 0 ${dim} ${dim}`} shape-rendering="crispEdges">
			<rect width={dim} height={dim} fill="#fff" />
			<path d={d} fill="#000" />
		</svg>
	);
}
