/**
 * Builds the browser side (addin/) into dist/addin/: one bundle and one HTML page per entry.
 *   taskpane  – the Outlook task pane (taskpane.html, opened by manifest.xml)
 *   commands  – the function-command runtime page (commands.html)
 *   sandbox   – the sandbox Outlook page hosting the task pane with a simulated Office (sandbox.html)
 * Add a page (e.g. the admin console) by adding one line to PAGES.
 *
 * `npm run build:addin` = `webpack --mode production` (minified, no source maps);
 * `npx webpack --mode development --watch` for work on the UI (source maps without eval: the relay's CSP forbids eval).
 */
const fs = require('node:fs');
const path = require('node:path');
const HtmlWebpackPlugin = require('html-webpack-plugin');
const { sources } = require('webpack');

/** Copies addin/assets/ (the manifest's icons) to dist/addin/assets/ without another dependency. */
class CopyAssetsPlugin {
  constructor(from, to) {
    this.from = from;
    this.to = to;
  }

  apply(compiler) {
    compiler.hooks.thisCompilation.tap('CopyAssetsPlugin', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'CopyAssetsPlugin', stage: compilation.constructor.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        if (!fs.existsSync(this.from)) return;
        for (const name of fs.readdirSync(this.from)) {
          const file = path.join(this.from, name);
          if (!fs.statSync(file).isFile()) continue;
          compilation.fileDependencies.add(file);
          compilation.emitAsset(`${this.to}/${name}`, new sources.RawSource(fs.readFileSync(file)));
        }
      });
    });
  }
}

/** [entry name, entry module, html template] */
const PAGES = [
  ['taskpane', './addin/taskpane.tsx', './addin/taskpane.html'],
  ['commands', './addin/commands.ts', './addin/commands.html'],
  ['sandbox', './addin/sandbox.tsx', './addin/sandbox.html'],
  ['admin', './addin/admin.tsx', './addin/admin.html'],
];

module.exports = (_env, argv) => {
  const production = argv.mode !== 'development';
  return {
    mode: production ? 'production' : 'development',
    context: __dirname,
    entry: Object.fromEntries(PAGES.map(([name, entry]) => [name, entry])),
    output: {
      path: path.resolve(__dirname, 'dist/addin'),
      // Stable names (the manifest and tests point at the HTML pages); the HTML adds ?<hash> to bust Office's cache.
      filename: '[name].js',
      clean: true,
      publicPath: 'auto',
    },
    devtool: production ? false : 'cheap-module-source-map',
    resolve: {
      extensions: ['.tsx', '.ts', '.mjs', '.js', '.json'],
    },
    module: {
      rules: [
        {
          test: /\.tsx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'ts-loader',
            options: {
              // Type checking is `npm run lint`'s job; the build only transpiles (much faster).
              transpileOnly: true,
              // ES modules for webpack (tree-shaking of Fluent UI and its icons); the repo's tsconfig targets Node (CommonJS).
              compilerOptions: { module: 'es2020', target: 'es2020', sourceMap: !production, declaration: false, noEmit: false },
            },
          },
        },
      ],
    },
    plugins: [
      ...PAGES.map(
        ([name, , template]) =>
          new HtmlWebpackPlugin({
            filename: `${name}.html`,
            template,
            chunks: [name],
            hash: true,
            scriptLoading: 'defer',
            minify: production,
          }),
      ),
      new CopyAssetsPlugin(path.resolve(__dirname, 'addin/assets'), 'assets'),
    ],
    optimization: {
      minimize: production,
    },
    performance: {
      hints: production ? 'warning' : false,
      // The task pane carries React, Fluent UI v9 and msal-browser; about 250 KB gzipped is expected.
      maxEntrypointSize: 1200 * 1024,
      maxAssetSize: 1200 * 1024,
    },
    stats: 'errors-warnings',
  };
};
