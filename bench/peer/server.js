// The hand-rolled Node peer Inferbus is measured against (issue 6): plain HTTP (no TLS), no auth,
// one ONNX Runtime session on the example model, the Azure-style body in and out. It is the
// baseline a team would write in an afternoon; Inferbus must stay within 1.5x of it while doing
// TLS, auth, routing and the event bus.
//
//   npm install --ignore-scripts && node server.js [port] [model]
'use strict';
const http = require('http');
const path = require('path');
const ort = require('onnxruntime-node');

const port = Number(process.argv[2] || 8090);
const model = process.argv[3] ||
  path.join(__dirname, '..', '..', 'examples', 'credit-scoring', 'model', 'german-credit-bad-risk.onnx');

async function main() {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const input = session.inputNames[0];
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const rows = JSON.parse(Buffer.concat(chunks).toString()).input_data;
        const width = rows[0].length;
        const data = new Float32Array(rows.length * width);
        rows.forEach((r, i) => data.set(r, i * width));
        const out = await session.run({ [input]: new ort.Tensor('float32', data, [rows.length, width]) });
        const answer = {};
        for (const name of session.outputNames) {
          const t = out[name];
          const flat = Array.from(t.data, (v) => (typeof v === 'bigint' ? Number(v) : v));
          if (t.dims.length === 2) {
            const nested = [];
            for (let i = 0; i < t.dims[0]; i++) nested.push(flat.slice(i * t.dims[1], (i + 1) * t.dims[1]));
            answer[name] = nested;
          } else {
            answer[name] = flat;
          }
        }
        const body = JSON.stringify(answer);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } catch (e) {
        const body = JSON.stringify({ error: { code: 'BadRequest', message: String(e.message || e) } });
        res.writeHead(400, { 'content-type': 'application/json' }).end(body);
      }
    });
  });
  server.listen(port, '127.0.0.1', () => console.log(`peer listening on http://127.0.0.1:${port}`));
}
main();
