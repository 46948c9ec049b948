# HoloViews rc file (HOLOVIEWSRC) for climpy kernels: inline BokehJS and Panel's JS in notebook outputs.
#
# HoloViews executes this file when it is imported. In an IPython kernel it makes the notebook
# extension (which `import hvplot.xarray` loads implicitly) embed the JavaScript instead of loading
# it from cdn.bokeh.org / cdn.holoviz.org, so outputs render behind a firewall. Installed into the
# kernelspec by `python -m climpy.deploy.jupyter` together with PANEL_INLINE=true.
import builtins

if hasattr(builtins, "__IPYTHON__"):
    from holoviews.ipython import notebook_extension

    notebook_extension.inline = True
