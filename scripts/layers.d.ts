// Types for scripts/layers.js (plain JavaScript so that eslint.config.js can load it).
export declare const LAYERS: Record<string, readonly string[]>;
export declare function layerOf(file: string): string | null;
export declare function layerViolation(file: string, target: string): string | null;
export declare const layersRule: unknown;
