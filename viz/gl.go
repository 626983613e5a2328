//go:build cgo

package viz

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/go-gl/gl/v3.3-core/gl"
)

// GLFW and OpenGL calls must come from the main OS thread.
func init() { runtime.LockOSThread() }

// mainDispatch, when set, runs a function on the main thread and waits for it (tests, whose functions run on
// other goroutines, set it from TestMain); nil: the caller is on the main goroutine.
var mainDispatch func(func())

// ServeMain runs run on another goroutine while this one, which must be the main goroutine, carries out the
// viewer's OpenGL work for it; it returns run's result. Tests use it from TestMain (test functions run on
// their own goroutines), as must any program that calls the viewer from a goroutine other than main's.
func ServeMain(run func() int) int {
	calls := make(chan func())
	mainDispatch = func(f func()) {
		done := make(chan struct{})
		calls <- func() { f(); close(done) }
		<-done
	}
	defer func() { mainDispatch = nil }()
	result := make(chan int)
	go func() { result <- run() }()
	for {
		select {
		case f := <-calls:
			f()
		case code := <-result:
			return code
		}
	}
}

// onMain runs f on the main thread.
func onMain(f func()) {
	if mainDispatch != nil {
		mainDispatch(f)
		return
	}
	f()
}

const colorVS = `#version 330 core
layout(location = 0) in vec2 pos;
layout(location = 1) in vec4 col;
uniform mat4 m;
out vec4 c;
void main() { gl_Position = m * vec4(pos, 0.0, 1.0); c = col; }
` + "\x00"

const colorFS = `#version 330 core
in vec4 c;
out vec4 o;
void main() { o = c; }
` + "\x00"

const textVS = `#version 330 core
layout(location = 0) in vec2 pos;
layout(location = 1) in vec2 uv;
layout(location = 2) in vec4 col;
uniform mat4 m;
out vec2 t;
out vec4 c;
void main() { gl_Position = m * vec4(pos, 0.0, 1.0); t = uv; c = col; }
` + "\x00"

const textFS = `#version 330 core
in vec2 t;
in vec4 c;
uniform sampler2D tex;
out vec4 o;
void main() { o = vec4(c.rgb, c.a * texture(tex, t).r); }
` + "\x00"

// buffer is a vertex array with its buffer.
type buffer struct{ vao, vbo uint32 }

func newBuffer(layout ...int32) buffer {
	var b buffer
	gl.GenVertexArrays(1, &b.vao)
	gl.GenBuffers(1, &b.vbo)
	gl.BindVertexArray(b.vao)
	gl.BindBuffer(gl.ARRAY_BUFFER, b.vbo)
	stride := int32(0)
	for _, n := range layout {
		stride += n
	}
	off := int32(0)
	for i, n := range layout {
		gl.EnableVertexAttribArray(uint32(i))
		gl.VertexAttribPointerWithOffset(uint32(i), n, gl.FLOAT, false, stride*4, uintptr(off*4))
		off += n
	}
	return b
}

// upload replaces the buffer's contents (orphaning the old storage so the driver need not wait).
func (b buffer) upload(data []float32) {
	gl.BindBuffer(gl.ARRAY_BUFFER, b.vbo)
	if len(data) == 0 {
		return
	}
	gl.BufferData(gl.ARRAY_BUFFER, len(data)*4, unsafe.Pointer(&data[0]), gl.DYNAMIC_DRAW)
}

// renderer draws batches with two programs: flat colour and alpha-textured glyphs.
type renderer struct {
	prog, tprog      uint32
	mLoc, tmLoc      int32
	static, dyn, scr buffer
	text             buffer
	nStaticTris      int32
	nStaticLines     int32
	atlasTex         uint32
}

func compile(vs, fs string) (uint32, error) {
	shader := func(src string, kind uint32) (uint32, error) {
		s := gl.CreateShader(kind)
		cs, free := gl.Strs(src)
		gl.ShaderSource(s, 1, cs, nil)
		free()
		gl.CompileShader(s)
		var ok int32
		gl.GetShaderiv(s, gl.COMPILE_STATUS, &ok)
		if ok == gl.FALSE {
			var n int32
			gl.GetShaderiv(s, gl.INFO_LOG_LENGTH, &n)
			log := strings.Repeat("\x00", int(n+1))
			gl.GetShaderInfoLog(s, n, nil, gl.Str(log))
			return 0, fmt.Errorf("viz: shader: %s", strings.TrimRight(log, "\x00"))
		}
		return s, nil
	}
	v, err := shader(vs, gl.VERTEX_SHADER)
	if err != nil {
		return 0, err
	}
	f, err := shader(fs, gl.FRAGMENT_SHADER)
	if err != nil {
		return 0, err
	}
	p := gl.CreateProgram()
	gl.AttachShader(p, v)
	gl.AttachShader(p, f)
	gl.LinkProgram(p)
	var ok int32
	gl.GetProgramiv(p, gl.LINK_STATUS, &ok)
	if ok == gl.FALSE {
		return 0, fmt.Errorf("viz: linking the shader program failed")
	}
	gl.DeleteShader(v)
	gl.DeleteShader(f)
	return p, nil
}

func newRenderer(a *Atlas) (*renderer, error) {
	r := &renderer{}
	var err error
	if r.prog, err = compile(colorVS, colorFS); err != nil {
		return nil, err
	}
	if r.tprog, err = compile(textVS, textFS); err != nil {
		return nil, err
	}
	r.mLoc = gl.GetUniformLocation(r.prog, gl.Str("m\x00"))
	r.tmLoc = gl.GetUniformLocation(r.tprog, gl.Str("m\x00"))
	r.static, r.dyn, r.scr = newBuffer(2, 4), newBuffer(2, 4), newBuffer(2, 4)
	r.text = newBuffer(2, 2, 4)
	gl.GenTextures(1, &r.atlasTex)
	gl.BindTexture(gl.TEXTURE_2D, r.atlasTex)
	gl.PixelStorei(gl.UNPACK_ALIGNMENT, 1)
	img := a.Image
	gl.TexImage2D(gl.TEXTURE_2D, 0, gl.R8, int32(img.Rect.Dx()), int32(img.Rect.Dy()), 0, gl.RED, gl.UNSIGNED_BYTE, unsafe.Pointer(&img.Pix[0]))
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE)
	return r, nil
}

// setStatic uploads the map batch: triangles, then lines, in one buffer.
func (r *renderer) setStatic(b *Batch) {
	data := make([]float32, 0, len(b.Tris)+len(b.Lines))
	data = append(append(data, b.Tris...), b.Lines...)
	r.static.upload(data)
	r.nStaticTris = int32(len(b.Tris) / vertexFloats)
	r.nStaticLines = int32(len(b.Lines) / vertexFloats)
}

// drawBatch draws a batch that is not the static one.
func drawBatch(buf buffer, b *Batch) {
	if len(b.Tris)+len(b.Lines) == 0 {
		return
	}
	data := append(b.Tris, b.Lines...) // b.Tris has room or reallocates; the batch is rebuilt every frame
	buf.upload(data)
	gl.BindVertexArray(buf.vao)
	if n := int32(len(b.Tris) / vertexFloats); n > 0 {
		gl.DrawArrays(gl.TRIANGLES, 0, n)
	}
	if n := int32(len(b.Lines) / vertexFloats); n > 0 {
		gl.DrawArrays(gl.LINES, int32(len(b.Tris)/vertexFloats), n)
	}
	b.Tris = data[:len(b.Tris)]
}

// draw renders one frame into the bound framebuffer: the map, the frame's world batch, the screen overlay
// and its text.
func (r *renderer) draw(cam *Camera, dyn, screen *Batch, text []float32) {
	gl.Viewport(0, 0, int32(cam.Width), int32(cam.Height))
	c := ColorBackground
	gl.ClearColor(c.R, c.G, c.B, 1)
	gl.Clear(gl.COLOR_BUFFER_BIT)
	gl.Enable(gl.BLEND)
	gl.BlendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA)

	gl.UseProgram(r.prog)
	m := cam.WorldMatrix()
	gl.UniformMatrix4fv(r.mLoc, 1, false, &m[0])
	gl.BindVertexArray(r.static.vao)
	if r.nStaticTris > 0 {
		gl.DrawArrays(gl.TRIANGLES, 0, r.nStaticTris)
	}
	if r.nStaticLines > 0 {
		gl.DrawArrays(gl.LINES, r.nStaticTris, r.nStaticLines)
	}
	drawBatch(r.dyn, dyn)

	pm := cam.PixelMatrix()
	gl.UniformMatrix4fv(r.mLoc, 1, false, &pm[0])
	drawBatch(r.scr, screen)

	if len(text) > 0 {
		gl.UseProgram(r.tprog)
		gl.UniformMatrix4fv(r.tmLoc, 1, false, &pm[0])
		gl.ActiveTexture(gl.TEXTURE0)
		gl.BindTexture(gl.TEXTURE_2D, r.atlasTex)
		r.text.upload(text)
		gl.BindVertexArray(r.text.vao)
		gl.DrawArrays(gl.TRIANGLES, 0, int32(len(text)/textFloats))
	}
}
