// core/devices/debug-exit: QEMU isa-debug-exit compatible port for test guests.
export { DebugExitPort, type DebugExitState } from './debug-exit';
