import {Args, Command, Flags} from '@oclif/core'
import {imageRm} from '../../cli/handlers/image.js'

export default class ImageRm extends Command {
  static description = `Remove images: NAME[:TAG] removes that tag (and the image with its last tag);
an id or id prefix removes the image. An image a container uses is kept: remove the container first.`
  static examples = ['<%= config.bin %> image rm myapp:1.0', '<%= config.bin %> image rm 1a2b3c4d', '<%= config.bin %> image rm busybox']
  static strict = false
  static aliases = ['rmi', 'image:remove']
  static args = {image: Args.string({description: 'NAME[:TAG] or image id (several allowed)', required: true})}
  static flags = {force: Flags.boolean({char: 'f', description: 'untag even the last tag of an image a container uses (the image stays)'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ImageRm)
    await imageRm(argv as string[], flags)
  }
}
