// placeholder, replaced below
import type { Fp80 } from './float80-core';
export function fsincos(_f: Fp80, _s: number, _c: number, _x: number): boolean { return true; }
export function fptan(_f: Fp80, _d: number, _x: number): boolean { return true; }
export function fpatan(_f: Fp80, _d: number, _y: number, _x: number): void {}
export function f2xm1(_f: Fp80, _d: number, _x: number): void {}
export function fyl2x(_f: Fp80, _d: number, _y: number, _x: number): void {}
export function fyl2xp1(_f: Fp80, _d: number, _y: number, _x: number): void {}
