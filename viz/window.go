//go:build cgo

package viz

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"math"
	"os"
	"strings"
	"time"
	"unsafe"

	"github.com/go-gl/gl/v3.3-core/gl"
	"github.com/go-gl/glfw/v3.3/glfw"

	"asyncdrive/runlog"
	"asyncdrive/scenarios"
)

// Available reports whether this build has the OpenGL viewer (it does: built with cgo).
const Available = true

// open initialises GLFW and creates a window with an OpenGL 3.3 core context, visible or not. Without a
// display, or when GLFW cannot start, the error wraps ErrNoDisplay.
func open(o Options, visible bool) (win *glfw.Window, err error) {
	if !HasDisplay() {
		return nil, fmt.Errorf("%w: %v", ErrNoDisplay, errNoDisplayEnv)
	}
	// go-gl/glfw reports platform errors (no X server at DISPLAY, no GLX) through the log package, not as
	// results, and panics on the calls that follow a failed glfw.Init: catch both.
	prev := log.Writer()
	logged := &platformLog{other: prev}
	log.SetOutput(logged)
	defer func() {
		log.SetOutput(prev)
		if p := recover(); p != nil {
			win, err = nil, fmt.Errorf("%w: %v %s", ErrNoDisplay, p, platformErrors(logged.String()))
		}
	}()
	if err := glfw.Init(); err != nil {
		return nil, fmt.Errorf("%w: %v %s", ErrNoDisplay, err, platformErrors(logged.String()))
	}
	glfw.WindowHint(glfw.ContextVersionMajor, 3)
	glfw.WindowHint(glfw.ContextVersionMinor, 3)
	glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
	glfw.WindowHint(glfw.OpenGLForwardCompatible, glfw.True)
	glfw.WindowHint(glfw.Resizable, glfw.True)
	glfw.WindowHint(glfw.Visible, map[bool]int{true: glfw.True, false: glfw.False}[visible])
	w, err := glfw.CreateWindow(o.Width, o.Height, o.Title, nil, nil)
	if err != nil {
		glfw.Terminate()
		return nil, fmt.Errorf("%w: creating a %dx%d OpenGL 3.3 window: %v %s", ErrNoDisplay, o.Width, o.Height, err, platformErrors(logged.String()))
	}
	w.MakeContextCurrent()
	if err := gl.Init(); err != nil {
		w.Destroy()
		glfw.Terminate()
		return nil, fmt.Errorf("viz: OpenGL: %w", err)
	}
	return w, nil
}

// platformLog keeps GLFW's platform errors out of the log while a window opens (they go into the error
// returned) and passes on whatever else is logged meanwhile.
type platformLog struct {
	strings.Builder
	other io.Writer
}

func (l *platformLog) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "PlatformError") {
		return l.Builder.Write(p)
	}
	return l.other.Write(p)
}

// platformErrors returns the GLFW platform errors in a log text, without the log's timestamps.
func platformErrors(logText string) string {
	var out []string
	for _, l := range strings.Split(logText, "\n") {
		if i := strings.Index(l, "PlatformError"); i >= 0 {
			out = append(out, l[i:])
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "(" + strings.Join(out, "; ") + ")"
}

// offscreen is a framebuffer object of the viewport's size, for screenshots and benchmarks.
type offscreen struct{ fbo, rbo uint32 }

func newOffscreen(w, h int) (*offscreen, error) {
	o := &offscreen{}
	gl.GenFramebuffers(1, &o.fbo)
	gl.BindFramebuffer(gl.FRAMEBUFFER, o.fbo)
	gl.GenRenderbuffers(1, &o.rbo)
	gl.BindRenderbuffer(gl.RENDERBUFFER, o.rbo)
	gl.RenderbufferStorage(gl.RENDERBUFFER, gl.RGBA8, int32(w), int32(h))
	gl.FramebufferRenderbuffer(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.RENDERBUFFER, o.rbo)
	if s := gl.CheckFramebufferStatus(gl.FRAMEBUFFER); s != gl.FRAMEBUFFER_COMPLETE {
		return nil, fmt.Errorf("viz: offscreen framebuffer incomplete (0x%x)", s)
	}
	return o, nil
}

// read returns the framebuffer's pixels, top row first.
func (o *offscreen) read(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	gl.BindFramebuffer(gl.FRAMEBUFFER, o.fbo)
	gl.PixelStorei(gl.PACK_ALIGNMENT, 1)
	buf := make([]byte, w*h*4)
	gl.ReadPixels(0, 0, int32(w), int32(h), gl.RGBA, gl.UNSIGNED_BYTE, unsafe.Pointer(&buf[0]))
	for y := 0; y < h; y++ { // OpenGL's rows go bottom-up
		copy(img.Pix[y*img.Stride:y*img.Stride+w*4], buf[(h-1-y)*w*4:(h-y)*w*4])
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}

// view is everything a window draws with.
type view struct {
	win    *glfw.Window
	r      *renderer
	atlas  *Atlas
	scene  *Scene
	st     *State
	cam    Camera
	world  Batch
	screen Batch
	text   []float32
}

func newView(win *glfw.Window, run *runlog.Run, o Options) (*view, error) {
	a, err := NewAtlas(14)
	if err != nil {
		return nil, err
	}
	r, err := newRenderer(a)
	if err != nil {
		return nil, err
	}
	v := &view{win: win, r: r, atlas: a, scene: NewScene(run, o.Route), st: NewState(run)}
	v.scene.Compare = o.Compare
	v.cam = Camera{Width: o.Width, Height: o.Height, PixelsPerMeter: o.PixelsPerMeter}
	r.setStatic(&v.scene.Map)
	if len(run.Frames) == 0 {
		v.cam.FitBounds(MapBounds(run.Map))
	}
	return v, nil
}

// render draws the current state into the bound framebuffer.
func (v *view) render() {
	v.st.FollowEgo(&v.cam)
	if k := v.st.Frame(); k >= 0 {
		v.scene.FrameBatch(&v.world, &v.scene.Run.Frames[k], v.st.Layers)
	} else {
		v.world.Reset()
	}
	v.text = Overlay(&v.screen, v.text, v.atlas, &v.cam, v.scene, v.st)
	v.r.draw(&v.cam, &v.world, &v.screen, v.text)
}

// RenderImage renders run at time t (following the ego) offscreen and returns the picture and the camera it
// was drawn with (Camera.Project finds things in it).
func RenderImage(run *runlog.Run, t float64, o Options) (img *image.RGBA, cam *Camera, err error) {
	onMain(func() { img, cam, err = renderImage(run, t, o) })
	return img, cam, err
}

func renderImage(run *runlog.Run, t float64, o Options) (*image.RGBA, *Camera, error) {
	o = o.withDefaults()
	win, err := open(o, false)
	if err != nil {
		return nil, nil, err
	}
	defer glfw.Terminate()
	defer win.Destroy()
	v, err := newView(win, run, o)
	if err != nil {
		return nil, nil, err
	}
	fb, err := newOffscreen(o.Width, o.Height)
	if err != nil {
		return nil, nil, err
	}
	v.st.Playing = false
	v.st.seek(t)
	v.st.Help = o.Help
	v.render()
	gl.Finish()
	img := fb.read(o.Width, o.Height)
	cam := v.cam
	return img, &cam, nil
}

// Screenshot renders run at time t offscreen and writes it to path as PNG.
func Screenshot(run *runlog.Run, t float64, path string, o Options) error {
	img, _, err := RenderImage(run, t, o)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// benchWarmup is the number of frames Bench renders before it starts timing.
const benchWarmup = 10

// Bench renders frames frames of run offscreen (cycling through its frames, the overlay included), after
// benchWarmup untimed ones, and returns the frame times; each frame is finished (glFinish) before the next
// starts.
func Bench(run *runlog.Run, frames int, o Options) (res BenchResult, err error) {
	onMain(func() { res, err = bench(run, frames, o) })
	return res, err
}

func bench(run *runlog.Run, frames int, o Options) (BenchResult, error) {
	o = o.withDefaults()
	if frames < 1 {
		return BenchResult{}, errors.New("viz: --bench-frames must be at least 1")
	}
	win, err := open(o, false)
	if err != nil {
		return BenchResult{}, err
	}
	defer glfw.Terminate()
	defer win.Destroy()
	v, err := newView(win, run, o)
	if err != nil {
		return BenchResult{}, err
	}
	if _, err := newOffscreen(o.Width, o.Height); err != nil {
		return BenchResult{}, err
	}
	v.st.Playing = false
	// Warm-up frames, not timed: llvmpipe compiles the shaders at their first draw.
	for i := 0; i < benchWarmup; i++ {
		v.render()
		gl.Finish()
	}
	lat := make([]time.Duration, 0, frames)
	cpu0 := processCPU()
	for i := 0; i < frames; i++ {
		if n := len(run.Frames); n > 0 {
			v.st.T = run.Frames[i%n].T
		}
		start := time.Now()
		v.render()
		gl.Finish()
		lat = append(lat, time.Since(start))
	}
	r := summarize(lat)
	r.CPUPerFrame = float64((processCPU() - cpu0).Nanoseconds()) / 1e6 / float64(frames)
	return r, nil
}

// Replay opens a window and replays run until the window is closed (or Q / Esc). It must be called from the
// main goroutine.
func Replay(run *runlog.Run, o Options) error { return interactive(run, nil, o) }

// Live opens a window that follows a running simulation of the map m: its frames arrive on frames, in time
// order (the channel is closed when the run ends; the window stays open to look back). It must be called
// from the main goroutine; the simulation runs on another.
func Live(h runlog.Header, m *scenarios.Map, frames <-chan runlog.Frame, o Options) error {
	return interactive(&runlog.Run{Header: h, Map: m}, frames, o)
}

var keyMap = map[glfw.Key]Key{
	glfw.KeySpace: KeyPlayPause, glfw.KeyLeft: KeyStepBack, glfw.KeyRight: KeyStepForward,
	glfw.KeyUp: KeyFaster, glfw.KeyDown: KeySlower, glfw.KeyHome: KeyFirst, glfw.KeyEnd: KeyLast,
	glfw.KeyF: KeyFollow, glfw.KeyP: KeyProposals, glfw.KeyO: KeyPerception, glfw.KeyE: KeyExpert, glfw.KeyC: KeyCompare, glfw.KeyH: KeyHelp, glfw.KeyI: KeyPanel,
	glfw.KeyQ: KeyQuit, glfw.KeyEscape: KeyQuit,
	glfw.Key1: KeyCommand, glfw.Key2: KeyCommand + 1, glfw.Key3: KeyCommand + 2, glfw.Key4: KeyCommand + 3,
	glfw.Key5: KeyCommand + 4, glfw.Key6: KeyCommand + 5, glfw.Key7: KeyCommand + 6, glfw.Key8: KeyCommand + 7,
	glfw.Key9: KeyCommand + 8,
}

func interactive(run *runlog.Run, frames <-chan runlog.Frame, o Options) (err error) {
	onMain(func() { err = interactiveMain(run, frames, o) })
	return err
}

func interactiveMain(run *runlog.Run, frames <-chan runlog.Frame, o Options) error {
	o = o.withDefaults()
	win, err := open(o, true)
	if err != nil {
		return err
	}
	defer glfw.Terminate()
	defer win.Destroy()
	v, err := newView(win, run, o)
	if err != nil {
		return err
	}
	v.st.Live = frames != nil
	if o.OnCommand != nil {
		v.st.Commands = o.Commands
	}
	if fw, fh := win.GetFramebufferSize(); fw > 0 && fh > 0 {
		v.cam.Width, v.cam.Height = fw, fh
	}
	glfw.SwapInterval(1)
	scale := func() (float64, float64) { // window to framebuffer coordinates
		ww, wh := win.GetSize()
		if ww == 0 || wh == 0 {
			return 1, 1
		}
		return float64(v.cam.Width) / float64(ww), float64(v.cam.Height) / float64(wh)
	}
	win.SetKeyCallback(func(_ *glfw.Window, key glfw.Key, _ int, action glfw.Action, mods glfw.ModifierKey) {
		if action == glfw.Release {
			return
		}
		if k, ok := keyMap[key]; ok {
			v.st.Key(k, mods&glfw.ModShift != 0)
		}
	})
	win.SetFramebufferSizeCallback(func(_ *glfw.Window, w, h int) {
		if w > 0 && h > 0 {
			v.cam.Width, v.cam.Height = w, h
		}
	})
	dragging, scrubbing := false, false
	var lastX, lastY float64
	scrubTo := func(x float64) {
		x0, _, x1, _ := TimelineRect(v.cam.Width, v.cam.Height)
		v.st.Scrub((x - x0) / (x1 - x0))
	}
	win.SetMouseButtonCallback(func(w *glfw.Window, b glfw.MouseButton, action glfw.Action, _ glfw.ModifierKey) {
		if b != glfw.MouseButtonLeft {
			return
		}
		if action == glfw.Release {
			dragging, scrubbing = false, false
			return
		}
		cx, cy := w.GetCursorPos()
		sx, sy := scale()
		cx, cy = cx*sx, cy*sy
		_, y0, _, _ := TimelineRect(v.cam.Width, v.cam.Height)
		if cy >= y0-6 {
			scrubbing = true
			v.st.Playing = false
			scrubTo(cx)
			return
		}
		dragging, lastX, lastY = true, cx, cy
	})
	win.SetCursorPosCallback(func(_ *glfw.Window, x, y float64) {
		sx, sy := scale()
		x, y = x*sx, y*sy
		switch {
		case scrubbing:
			scrubTo(x)
		case dragging:
			v.cam.Pan(x-lastX, y-lastY)
			v.st.Follow = false
			lastX, lastY = x, y
		}
	})
	win.SetScrollCallback(func(w *glfw.Window, _, dy float64) {
		cx, cy := w.GetCursorPos()
		sx, sy := scale()
		if v.st.Follow {
			cx, cy = float64(v.cam.Width)/2/sx, float64(v.cam.Height)/2/sy // zoom about the ego
		}
		v.cam.Zoom(math.Pow(1.15, dy), cx*sx, cy*sy)
	})
	last := time.Now()
	dropped := 0
	hadFrames := len(run.Frames) > 0
	for drawn := 0; !win.ShouldClose() && !v.st.Quit && (o.CloseAfter <= 0 || drawn < o.CloseAfter); drawn++ {
		glfw.PollEvents()
		for _, c := range v.st.TakeCommands() {
			o.OnCommand(c)
		}
	drain:
		for frames != nil {
			select {
			case f, ok := <-frames:
				if !ok {
					frames = nil
					v.st.Live = false // the run is over: play and stepping now work on the whole of it
					if dropped > 0 {
						run.Warnings = append(run.Warnings, fmt.Sprintf("%d live frames out of time order were dropped", dropped))
					}
					break drain
				}
				if !v.st.Append(f) {
					dropped++
				}
				v.scene.Observe()
			default:
				break drain
			}
		}
		if !hadFrames && len(run.Frames) > 0 {
			hadFrames = true // the first live frame: from the whole map to the ego, at the asked zoom
			v.cam.PixelsPerMeter = o.PixelsPerMeter
		}
		now := time.Now()
		if !v.st.Live {
			v.st.Advance(now.Sub(last).Seconds())
		}
		last = now
		gl.BindFramebuffer(gl.FRAMEBUFFER, 0)
		v.render()
		win.SwapBuffers()
	}
	return nil
}
