// The only parts of Uppy the MRI form uses, bundled by `make vendor` (esbuild) into
// static/vendor/uppy/uppy-bundle.min.js: the full uppy.min.js carried every provider, the image
// editor, webcam and more (593 KB, mostly unused). upload-dashboard.js loads it when the upload box
// is reached.
import Uppy from "@uppy/core";
import Dashboard from "@uppy/dashboard";
import GoldenRetriever from "@uppy/golden-retriever";
import Tus from "@uppy/tus";

window.Uppy = { Uppy, Dashboard, Tus, GoldenRetriever };
