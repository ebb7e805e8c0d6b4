"""Every limit the engine enforces on what files, parameters and data may ask for, in one place.
A value over a limit is refused before anything is allocated, with a message naming the place.
"""
MAX_TEXT = 10_000                   # characters of any text (names, titles, descriptions, paths)
MAX_NESTING = 20                    # depth of free JSON (dataset, meta, runs, parameters)
MAX_LIST = 100_000                  # entries of a free JSON list

MAX_GRAPH_BYTES = 32 * 2 ** 20      # a .twg document
MAX_NODES = 100_000
MAX_EDGES = 400_000

MAX_ELEMENTS = 2 ** 27              # elements of one tensor (512 MiB in float32), the batch not counted
MAX_DIM = 2 ** 27                   # one dimension of a shape parameter
MAX_WEIGHTS_BYTES = 2 * 2 ** 30     # a weights sidecar, decompressed

MAX_DATA_BYTES = 512 * 2 ** 20      # a CSV/NPZ file on disk, and decompressed
MAX_COLUMNS = 100_000               # columns of a CSV
MAX_CELL = 1_000_000                # characters of one CSV cell
MAX_SAMPLES = 10_000_000            # rows of a data set
MAX_SYNTHETIC = 1_000_000           # points of a synthetic data set
MAX_CLASSES = 100_000               # distinct class labels

FLOAT32_MAX = 3.4028234663852886e38  # larger values become inf in float32
