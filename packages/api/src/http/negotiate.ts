/**
 * Picks the representation a client prefers among those offered (RFC 9110 Accept, with q-values and
 * wildcards); the first offer wins ties and is the default when the header is absent or matches nothing.
 */
export const negotiate = <T extends string>(accept: string | undefined, offers: readonly [T, ...T[]]): T => {
  if (accept === undefined || accept.trim() === '') return offers[0];
  // One media range with no parameters and no wildcard (`application/json`): it scores 1 for the offer it
  // names and 0 for every other, so that offer wins, or none does.
  if (!accept.includes(',') && !accept.includes(';') && !accept.includes('*')) {
    const type = accept.trim().toLowerCase();
    for (const offer of offers) if (offer === type) return offer;
    return offers[0];
  }
  const ranges = accept.split(',').map((part, order) => {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    return { type: type.trim(), q: Number.isFinite(weight) ? weight : 0, order };
  });
  const score = (offer: string) => {
    const [major] = offer.split('/');
    let best: { q: number; specificity: number } | undefined;
    for (const r of ranges) {
      const specificity = r.type === offer ? 3 : r.type === `${major}/*` ? 2 : r.type === '*/*' ? 1 : 0;
      if (specificity > 0 && (best === undefined || specificity > best.specificity))
        best = { q: r.q, specificity };
    }
    return best?.q ?? 0;
  };
  let chosen = offers[0];
  let top = -1;
  for (const offer of offers) {
    const s = score(offer);
    if (s > top) {
      top = s;
      chosen = offer;
    }
  }
  return top > 0 ? chosen : offers[0];
};
