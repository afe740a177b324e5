// datastore.* — the files on a datastore, as the vSphere datastore browser lists them.

export type DatastoreFileKind = 'folder' | 'vmx' | 'disk' | 'nvram' | 'log' | 'iso' | 'lock' | 'file';

export interface DatastoreFile {
  readonly name: string;
  /** Relative to the datastore root, "/" separated. */
  readonly path: string;
  readonly kind: DatastoreFileKind;
  readonly sizeBytes: number;
  readonly modified: number;
}

export interface DatastoreListing {
  readonly datastore: string;
  /** The folder listed, relative to the root ("" for the root). */
  readonly path: string;
  readonly entries: readonly DatastoreFile[];
}
