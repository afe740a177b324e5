// What the noVNC console window shows: the size of its canvas (the VM's frame, 1:1) and how
// many of its pixels are lit (not black), read in the page.
import type { Page } from 'playwright-core';

export interface CanvasSummary {
  readonly width: number;
  readonly height: number;
  readonly lit: number;
  readonly colours: number;
}

type CanvasLike = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };

export function screenCanvas(page: Page): Promise<CanvasSummary> {
  return page
    .$eval('[data-field="screen"] canvas', (el) => {
      const canvas = el as unknown as CanvasLike;
      if (canvas.width === 0 || canvas.height === 0) return { width: 0, height: 0, lit: 0, colours: 0 };
      const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let lit = 0;
      const colours = new Set<number>();
      for (let i = 0; i < d.length; i += 4) {
        const v = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
        if (v !== 0) lit++;
        if (colours.size < 64) colours.add(v);
      }
      return { width: canvas.width, height: canvas.height, lit, colours: colours.size };
    })
    .catch(() => ({ width: 0, height: 0, lit: 0, colours: 0 }));
}
