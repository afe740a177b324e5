// core/devices/post: the POST code port 0x80.
export { PostCodePort, type PostPortState } from './post-port';
