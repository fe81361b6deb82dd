// What the console pages load before anything else: who is signed in, the taxonomy's
// names and the cameras (names, places, zones).

import { api, whoami } from "./api.js";

/** {me, taxonomy, cameras: Map(id -> camera)}; rejects with an ApiError. */
export async function loadBasics() {
  const me = await whoami();
  const [taxonomy, cams] = await Promise.all([
    api("GET", "/ui/taxonomy.json"),
    api("GET", "/ui/cameras.json"),
  ]);
  return { me, taxonomy, cameras: new Map(cams.data.map((c) => [c.id, c])) };
}
