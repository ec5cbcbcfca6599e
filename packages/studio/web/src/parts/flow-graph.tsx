/** A state of a chain's Mermaid state diagram. */
interface GraphNode {
  id: string;
  label: string;
  /** The step name: the label before its ` (kind)`. */
  step: string;
  layer: number;
  index: number;
}

interface GraphEdge {
  from: string;
  to: string;
  label: string;
}

/**
 * Reads the `stateDiagram-v2` text Catena's `chain.toMermaid()` writes: `state "label" as sN`
 * declarations and `a --> b : text` transitions (`[*]` is the start).
 */
export function parseStateDiagram(text: string): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const labels = new Map<string, string>();
  const edges: GraphEdge[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const state = /^state "(.*)" as (\S+)$/.exec(line);
    if (state !== null) {
      labels.set(state[2] ?? "", state[1] ?? "");
      continue;
    }
    const edge = /^(\S+) --> (\S+)(?: : (.*))?$/.exec(line);
    if (edge !== null) edges.push({ from: edge[1] ?? "", to: edge[2] ?? "", label: edge[3] ?? "" });
  }
  labels.set("[*]", "start");
  // Layers by breadth-first distance from the start, so the graph reads top to bottom.
  const layer = new Map<string, number>([["[*]", 0]]);
  const queue = ["[*]"];
  while (queue.length > 0) {
    const at = queue.shift() ?? "";
    for (const e of edges) {
      if (e.from === at && !layer.has(e.to)) {
        layer.set(e.to, (layer.get(at) ?? 0) + 1);
        queue.push(e.to);
      }
    }
  }
  const perLayer = new Map<number, number>();
  const nodes = [...labels].map(([id, label]): GraphNode => {
    const l = layer.get(id) ?? 0;
    const index = perLayer.get(l) ?? 0;
    perLayer.set(l, index + 1);
    return {
      id,
      label: id === "[*]" ? "start" : label,
      step: label.replace(/ \(.*\)$/, ""),
      layer: l,
      index,
    };
  });
  return { nodes, edges: edges.filter((e) => e.to !== "[*]") };
}

const W = 170;
const H = 30;
const GAP_X = 24;
const GAP_Y = 30;

/**
 * The chain's graph drawn as SVG, the states the run went through (`taken`, step names) and the
 * transitions between consecutive taken states highlighted. Runs that are no state of the graph
 * (a cascade's tiers inside it, an llm step's attempts) are passed over, so the states on either
 * side of them still read as one transition.
 */
export function FlowGraph({ mermaid, taken: runs }: { mermaid: string; taken: readonly string[] }) {
  const { nodes, edges } = parseStateDiagram(mermaid);
  const states = new Set(nodes.map((n) => n.step));
  const taken = runs.filter((step) => states.has(step));
  const takenSet = new Set(taken);
  const pos = new Map(
    nodes.map((n) => [n.id, { x: 10 + n.index * (W + GAP_X), y: 10 + n.layer * (H + GAP_Y) }]),
  );
  const width = Math.max(...nodes.map((n) => n.index + 1)) * (W + GAP_X) + 20;
  const height = Math.max(...nodes.map((n) => n.layer + 1)) * (H + GAP_Y) + 20;
  const stepOf = new Map(nodes.map((n) => [n.id, n.step]));
  const takenPairs = new Set(taken.slice(1).map((step, i) => `${taken[i]}→${step}`));
  const first = taken[0];
  return (
    <svg
      class="flow"
      role="img"
      aria-label="Chain graph with the path taken"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="6"
          markerHeight="6"
          orient="auto-start-reverse"
        >
          <path d="M 0 0 L 10 5 L 0 10 z" fill="currentColor" />
        </marker>
      </defs>
      {edges.map((e) => {
        const a = pos.get(e.from);
        const b = pos.get(e.to);
        if (a === undefined || b === undefined) return null;
        const from = stepOf.get(e.from) ?? "";
        const to = stepOf.get(e.to) ?? "";
        const hot = takenPairs.has(`${from}→${to}`) || (e.from === "[*]" && to === first);
        return (
          <line
            key={`${e.from}-${e.to}-${e.label}`}
            class={hot ? "edge taken" : "edge"}
            x1={a.x + W / 2}
            y1={a.y + H}
            x2={b.x + W / 2}
            y2={b.y}
            marker-end="url(#arrow)"
          >
            <title>{e.label}</title>
          </line>
        );
      })}
      {nodes.map((n) => {
        const p = pos.get(n.id) ?? { x: 0, y: 0 };
        const hot = n.id === "[*]" || takenSet.has(n.step);
        return (
          <g key={n.id} class={hot ? "node taken" : "node"} transform={`translate(${p.x} ${p.y})`}>
            <rect width={W} height={H} rx={6} />
            <text x={W / 2} y={H / 2 + 4} text-anchor="middle">
              {n.label.length > 26 ? `${n.label.slice(0, 25)}…` : n.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
