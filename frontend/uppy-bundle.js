// The only parts of Uppy the MRI form uses, bundled by `make vendor` (esbuild) into
// static/vendor/uppy/uppy-bundle.min.js: the full uppy.min.js carried every provider, the image
// editor, webcam and more (593 KB, mostly unused). upload-dashboard.js loads it when the upload box
// is reached. Spanish pages give Uppy its Spanish (es_ES, from @uppy/locales, which uppy depends on);
// the page's own words (usted, our terms) are laid over it.
import Uppy from "@uppy/core";
import Dashboard from "@uppy/dashboard";
import GoldenRetriever from "@uppy/golden-retriever";
import es_ES from "@uppy/locales/lib/es_ES.js";
import Tus from "@uppy/tus";

window.Uppy = { Uppy, Dashboard, Tus, GoldenRetriever, locales: { es: es_ES } };
