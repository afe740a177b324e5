import { describe, expect, it } from 'vitest';
import { DisposableStore, Emitter, toDisposable } from '../../core/common';

describe('DisposableStore', () => {
  it('disposes newest first, once, and disposes late additions at once', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add(toDisposable(() => order.push('a')));
    store.add(toDisposable(() => order.push('b')));
    store.dispose();
    store.dispose();
    store.add(toDisposable(() => order.push('late')));
    expect(order).toEqual(['b', 'a', 'late']);
  });
});

describe('Emitter', () => {
  it('stops calling a listener once its subscription is disposed', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    const sub = emitter.event((n) => seen.push(n));
    emitter.fire(1);
    sub.dispose();
    emitter.fire(2);
    expect(seen).toEqual([1]);
  });
});
