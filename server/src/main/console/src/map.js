// The live map on a canvas: Web Mercator, zoomed to fit what is shown. With a tile URL ({z}/{x}/{y}) the tiles are
// drawn underneath; without one, a plain background with a graticule, so positions show with no outside server.
const TILE = 256;
const COLORS = { driver: "#1f6feb", trip: "#1a7f37", sos: "#a4161a", route: "#8250df" };

function project(lat, lng, zoom) {
  const scale = TILE * 2 ** zoom;
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return { x: ((lng + 180) / 360) * scale, y: (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale };
}

export class MapView {
  constructor(canvas, tileUrl, onTrip) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.tileUrl = tileUrl;
    this.tiles = new Map();
    this.items = [];
    this.routePoints = [];
    canvas.addEventListener("click", (ev) => {
      const r = canvas.getBoundingClientRect();
      const x = ((ev.clientX - r.left) * canvas.width) / r.width;
      const y = ((ev.clientY - r.top) * canvas.height) / r.height;
      const hit = this.items.find((i) => i.kind === "trip" && Math.hypot(i.px - x, i.py - y) < 10);
      if (hit) onTrip(hit.id);
    });
  }

  update(drivers, trips, sos) {
    this.data = { drivers, trips, sos };
    this.draw();
  }

  route(points) {
    this.routePoints = points || [];
    this.draw();
  }

  view(points) {
    const w = this.canvas.width;
    const h = this.canvas.height;
    if (!points.length) return { zoom: 3, ox: project(20, 78, 3).x - w / 2, oy: project(20, 78, 3).y - h / 2 };
    for (let zoom = 17; zoom >= 1; zoom--) {
      const ps = points.map((p) => project(p.lat, p.lng, zoom));
      const xs = ps.map((p) => p.x);
      const ys = ps.map((p) => p.y);
      const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
      if (maxX - minX < w * 0.8 && maxY - minY < h * 0.8) {
        return { zoom, ox: (minX + maxX) / 2 - w / 2, oy: (minY + maxY) / 2 - h / 2 };
      }
    }
    return { zoom: 1, ox: 0, oy: 0 };
  }

  draw() {
    const { drivers = [], trips = [], sos = [] } = this.data || {};
    const ctx = this.ctx;
    const w = this.canvas.width;
    const h = this.canvas.height;
    const points = [...drivers, ...trips.filter((t) => t.location).map((t) => t.location), ...sos, ...this.routePoints];
    const v = this.view(points);
    const at = (lat, lng) => { const p = project(lat, lng, v.zoom); return { x: p.x - v.ox, y: p.y - v.oy }; };
    ctx.fillStyle = "#e9edf1";
    ctx.fillRect(0, 0, w, h);
    if (this.tileUrl) this.drawTiles(v, w, h);
    else this.drawGrid(v, w, h);
    if (this.routePoints.length > 1) {
      ctx.strokeStyle = COLORS.route;
      ctx.lineWidth = 3;
      ctx.beginPath();
      this.routePoints.forEach((p, i) => { const q = at(p.lat, p.lng); i ? ctx.lineTo(q.x, q.y) : ctx.moveTo(q.x, q.y); });
      ctx.stroke();
    }
    this.items = [];
    const mark = (kind, id, lat, lng, label) => {
      const p = at(lat, lng);
      this.items.push({ kind, id, px: p.x, py: p.y });
      ctx.fillStyle = COLORS[kind];
      ctx.beginPath();
      ctx.arc(p.x, p.y, kind === "sos" ? 9 : 6, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = "#1b1f24";
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillText(label, p.x + 9, p.y - 7);
    };
    drivers.forEach((d) => mark("driver", d.driverId, d.lat, d.lng, "driver"));
    trips.filter((t) => t.location).forEach((t) => mark("trip", t.id, t.location.lat, t.location.lng, t.driverName));
    sos.forEach((s) => mark("sos", s.id, s.lat, s.lng, "SOS"));
  }

  drawGrid(v, w, h) {
    const ctx = this.ctx;
    ctx.strokeStyle = "#d0d7de";
    ctx.lineWidth = 1;
    const step = TILE;
    for (let x = -((v.ox % step) + step) % step; x < w; x += step) { ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h); ctx.stroke(); }
    for (let y = -((v.oy % step) + step) % step; y < h; y += step) { ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(w, y); ctx.stroke(); }
    ctx.fillStyle = "#57606a";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText("zoom " + v.zoom + " · no tile server configured (CONSOLE_TILE_URL)", 8, h - 8);
  }

  drawTiles(v, w, h) {
    const n = 2 ** v.zoom;
    for (let tx = Math.floor(v.ox / TILE); tx * TILE < v.ox + w; tx++) {
      for (let ty = Math.floor(v.oy / TILE); ty * TILE < v.oy + h; ty++) {
        if (ty < 0 || ty >= n) continue;
        const x = ((tx % n) + n) % n;
        const url = this.tileUrl.replace("{z}", v.zoom).replace("{x}", x).replace("{y}", ty);
        let img = this.tiles.get(url);
        if (!img) {
          img = new Image();
          img.onload = () => this.draw();
          img.src = url;
          this.tiles.set(url, img);
          if (this.tiles.size > 500) this.tiles.delete(this.tiles.keys().next().value);
        }
        if (img.complete && img.naturalWidth) this.ctx.drawImage(img, tx * TILE - v.ox, ty * TILE - v.oy, TILE, TILE);
      }
    }
  }
}
